"""The numbers the RPVT paper publishes (Information 2022, 13(3), 147), the one copy of them.

Tables 1-3: {benchmark: {tracker: (Acc, Rob, EAO)}}, in the paper's column order ("RPVT" is the
paper's "Ours"; Rob: failures per 100 frames for VOT2016/2018, the fraction of frames tracked
before failure for VOT2020). Table 6: {variant: (EAO, Accuracy, Robustness)} on VOT2016.
Table 4 (GOT-10k test): {tracker: (AO, SR0.5, SR0.75)}, None where the paper prints "-".
Table 5 (DAVIS 2016 val): {method: (J&F mean, J mean, J recall, J decay, F mean, F recall,
F decay, FPS)} in percent (FPS as printed), None where the paper prints "-".
Figure 6 (LaSOT): the paper plots success and precision but its text gives no value; it names
the trackers compared, kept here so a plot can label them (``LASOT_NAMED``).
"""

from __future__ import annotations

PAPER = {
    "vot2016": {
        "SiamMask": (0.640, 0.214, 0.433), "SiamRPN": (0.560, 0.302, 0.344), "ATOM": (0.610, 0.180, 0.430),
        "SiamFC": (0.530, 0.460, 0.235), "DaSiamRPN": (0.610, 0.220, 0.411), "SiamDW": (0.580, 0.240, 0.370),
        "D3S": (0.660, 0.131, 0.493), "RPVT": (0.670, 0.126, 0.514),
    },
    "vot2018": {
        "SiamMask": (0.602, 0.288, 0.347), "ATOM": (0.590, 0.204, 0.401), "D3S": (0.640, 0.150, 0.489),
        "SiamRPN": (0.490, 0.460, 0.244), "DiMP": (0.597, 0.153, 0.440), "Ocean": (0.598, 0.169, 0.467),
        "SiamRPN++": (0.600, 0.234, 0.414), "RPVT": (0.652, 0.164, 0.475),
    },
    "vot2020": {
        "SiamMask": (0.624, 0.648, 0.321), "ATOM": (0.462, 0.734, 0.271), "D3S": (0.699, 0.769, 0.439),
        "SiamFC": (0.418, 0.502, 0.179), "DiMP": (0.457, 0.740, 0.274), "Ocean": (0.693, 0.754, 0.430),
        "RPT": (0.700, 0.869, 0.530), "RPVT": (0.707, 0.760, 0.445),
    },
}
ABLATION = {"D3S": (0.493, 0.660, 0.131), "D3S-MS": (0.500, 0.677, 0.142), "RPVT": (0.514, 0.670, 0.126)}

GOT10K_TEST = {
    "SiamFC": (0.348, 0.353, 0.098), "ATOM": (0.556, 0.634, 0.402), "D3S": (0.597, 0.676, 0.462),
    "DiMP": (0.611, 0.717, 0.492), "SiamRPN": (0.463, 0.549, 0.253), "Ocean": (0.611, 0.721, 0.473),
    "SiamRPN++": (0.518, 0.618, None), "RPVT": (0.600, 0.681, 0.471),
}
DAVIS2016 = {
    "OSVOS": (80.2, 79.8, 93.6, 14.9, 80.6, 92.6, 15.0, 0.2),
    "FAVOS": (80.8, 82.4, None, None, 79.5, None, None, 0.8),
    "RGMP": (81.8, 81.5, 91.7, 10.9, 82.0, 90.8, 10.1, 8),
    "SAT": (83.1, 82.6, None, None, 83.9, None, None, 39),
    "SiamMask": (69.8, 71.7, 86.8, 3.0, 67.8, 79.8, 2.1, 35),
    "D3S": (74.0, 75.4, None, None, 72.6, None, None, 25),
    "RPVT": (74.4, 75.9, 90.5, 4.3, 72.8, 84.5, 5.8, 20),
}
LASOT_NAMED = ("SiamFC", "DaSiamRPN", "SiamMask", "SiamDW", "StructSiam", "DSiam", "RPVT")
