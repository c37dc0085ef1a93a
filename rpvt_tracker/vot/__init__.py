"""VOT toolkit integration: the TraX server (one session for every target of a sequence), generated
sequences and multi-object scenes, workspaces, and result tables (VOT2016-2020 and VOTS).

Never imports training code; the server imports only the tracking path.
"""
