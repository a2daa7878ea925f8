"""A tiny Piper voice with the real export's interface (piper_train/export_onnx.py) and a known output.

  input          int64   [1, phonemes]      phoneme ids
  input_lengths  int64   [1]
  scales         float32 [3]                noise_scale, length_scale, noise_w
  -> output      float32 [1, 1, 1, samples]

Each phoneme id p becomes a 20 ms sine burst at (200 + 25 p) Hz, with amplitude 0.5 * noise_scale,
so a test can read the ids back from the audio and see that the voice's inference settings were
passed. The .onnx.json has the fields Piper's voices carry (audio.sample_rate, espeak.voice,
inference, phoneme_type, phoneme_id_map with _ ^ $ and the IPA symbols espeak-ng writes, num_symbols,
num_speakers, language).

Usage: python3 make_synthetic_piper.py OUT_DIR NAME [SAMPLE_RATE]
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SYMBOLS = (
    ["_", "^", "$", " ", "!", "'", "(", ")", ",", "-", ".", ":", ";", "?"]
    + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    + list("æçðøħŋœǀǁǂǃɐɑɒɓɔɕɖɗɘəɚɛɜɞɟɠɡɢɣɤɥɦɧɨɪɫɬɭɮɯɰɱɲɳɴɵɶɸɹɺɻɽɾʀʁʂʃʄʈʉʊʋʌʍʎʏʐʑʒʔʕʘʙʛʜʝʟʡʢʲˈˌːˑ˞βθχᵻⱱ")
    + ["\u0303", "\u0329", "\u032a", "\u0361", "\u0306", "\u0325"]
)
BURST_SECONDS = 0.02


def main():
    out, name = sys.argv[1], sys.argv[2]
    rate = int(sys.argv[3]) if len(sys.argv) > 3 else 22050
    os.makedirs(out, exist_ok=True)
    burst = int(rate * BURST_SECONDS)
    t = np.arange(burst) / rate
    table = np.stack([0.5 * np.sin(2 * np.pi * (200 + 25 * p) * t) for p in range(len(SYMBOLS))]).astype(np.float32)
    nodes = [
        helper.make_node("Gather", ["table", "input"], ["bursts"], axis=0),
        helper.make_node("Reshape", ["bursts", "shape"], ["flat"]),
        helper.make_node("Gather", ["scales", "zero"], ["noise_scale"], axis=0),
        helper.make_node("Mul", ["flat", "noise_scale"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "synthetic_piper",
        [
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, 1, "time"])],
        [
            numpy_helper.from_array(table, "table"),
            numpy_helper.from_array(np.array([1, 1, 1, -1], np.int64), "shape"),
            numpy_helper.from_array(np.array(0, np.int64), "zero"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], producer_name="speaknode-synthetic")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, f"{name}.onnx"))
    config = {
        "dataset": name,
        "audio": {"sample_rate": rate, "quality": "medium"},
        "espeak": {"voice": "en-us"},
        "language": {"code": "en_US", "family": "en", "region": "US"},
        "inference": {"noise_scale": 0.6, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": {s: [i] for i, s in enumerate(SYMBOLS)},
        "num_symbols": len(SYMBOLS),
        "num_speakers": 1,
        "speaker_id_map": {},
        "piper_version": "1.0.0",
    }
    with open(os.path.join(out, f"{name}.onnx.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
