"""The numbers the RPVT paper publishes (Information 2022, 13(3), 147), the one copy of them.

Tables 1-3: {benchmark: {tracker: (Acc, Rob, EAO)}}, in the paper's column order ("RPVT" is the
paper's "Ours"; Rob: failures per 100 frames for VOT2016/2018, the fraction of frames tracked
before failure for VOT2020). Table 6: {variant: (EAO, Accuracy, Robustness)} on VOT2016.
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
