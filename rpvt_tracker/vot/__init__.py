"""VOT toolkit integration: the TraX server, generated sequences, workspaces and result tables.

Never imports training code; the server imports only the tracking path.
"""
