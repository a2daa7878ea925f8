"""A tiny Parakeet TDT model in the community ONNX layout, with weights chosen so that its output is
known in advance. Same file names, input/output names, element types and ranks as the NeMo export
that onnx-asr reads (encoder-model.onnx, decoder_joint-model.onnx, vocab.txt, config.json):

  encoder:        audio_signal float32 [B, 128, T], length int64 [B]
                  -> outputs float32 [B, 1024, T'], encoded_lengths int64 [B]   (T' = 8x subsampled)
  decoder_joint:  encoder_outputs float32 [B, 1024, 1], targets int32 [B, 1], target_length int32 [B],
                  input_states_1 float32 [2, B, 640], input_states_2 float32 [2, B, 640]
                  -> outputs float32 [B, 1, 1, V + 5], prednet_lengths int32 [B],
                     output_states_1 float32 [2, B, 640], output_states_2 float32 [2, B, 640]

How it "recognises": each token below has a tone. The encoder reads the middle STFT frame of every
eight (one per 80 ms encoder frame) and sums the three mel bands around each token's tone into
that token's channel. The joint emits the token whose channel is above 0.5 (blank otherwise) with
that token's fixed duration; the prediction network remembers the last token (one-hot of
`targets`), which suppresses an immediate repeat, and counts in input_states_1 how often each id
was consumed: a decoder that advances its state on a blank consumes <blk> more than once, and then
the joint emits "▁wrong". "▁ha" has duration 0 and no repeat suppression, so it is emitted until
the decoder's per-frame symbol limit. A decoder that ignores durations re-reads a tone frame and
emits blank there (repeat suppressed), so text alone does not show it; the token frames do.

--heavy N adds N feed-forward layers (1024 -> 4096 -> 1024, tiny weights that leave the decisions
unchanged; at most four distinct weight pairs, reused in turn) to the encoder and an LSTM-sized
matrix chain to the decoder, for the benchmark.

Usage: python3 make_synthetic_parakeet.py OUT_DIR [--heavy N] [--int8-names]
Prints the tone table as JSON on stdout.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nemo_log_mel_reference import mel_filterbank  # noqa: E402

VOCAB = ["<unk>", "▁book", "▁a", "▁clean", "ing", "▁to", "day", "▁ha", "▁wrong", ".", "<blk>"]
BLANK = len(VOCAB) - 1
WRONG = VOCAB.index("▁wrong")
HA = VOCAB.index("▁ha")
# token id -> (tone Hz, duration in encoder frames)
TONES = {1: (400, 2), 2: (700, 1), 3: (1000, 4), 4: (1400, 3), 5: (1900, 2), 6: (2500, 1), 7: (3200, 0), 9: (4000, 1)}
DURATIONS = [0, 1, 2, 3, 4]
D_ENC, D_PRED = 1024, 640
SCALE, THRESHOLD, PENALTY = 10.0, 0.5, 100.0


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


HEAVY_WEIGHT_SETS = 4


def encoder_model(heavy):
    fb = mel_filterbank(128)
    w = np.zeros((128, D_ENC), dtype=np.float32)
    for token, (hz, _) in TONES.items():
        band = int(np.argmax(fb[:, int(round(hz / 31.25))]))
        for m in (band - 1, band, band + 1):
            w[m, token] = 1.0 / 3
    nodes = [
        helper.make_node("Slice", ["audio_signal", "starts", "ends", "axes", "steps"], ["picked"]),
        helper.make_node("Transpose", ["picked"], ["frames"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["frames", "w_enc"], ["hidden0"]),
    ]
    inits = [
        const("starts", np.array([4], np.int64)),
        const("ends", np.array([2**62], np.int64)),
        const("axes", np.array([2], np.int64)),
        const("steps", np.array([8], np.int64)),
        const("w_enc", w),
        const("one", np.array(1, np.int64)),
        const("two", np.array(2, np.int64)),
    ]
    rng = np.random.default_rng(0)
    last = "hidden0"
    # At most HEAVY_WEIGHT_SETS distinct weight pairs, reused in turn: every layer still does its
    # multiply-adds (each reads another layer's output), while the file stays a few hundred MB
    # even with as many layers as the real encoder's compute needs.
    for layer in range(min(heavy, HEAVY_WEIGHT_SETS)):
        inits += [
            const(f"w1_{layer}", (rng.standard_normal((D_ENC, 4096)) * 1e-3).astype(np.float32)),
            const(f"w2_{layer}", (rng.standard_normal((4096, D_ENC)) * 1e-5).astype(np.float32)),
        ]
    for layer in range(heavy):
        weights = layer % HEAVY_WEIGHT_SETS
        nodes += [
            helper.make_node("MatMul", [last, f"w1_{weights}"], [f"up{layer}"]),
            helper.make_node("Relu", [f"up{layer}"], [f"act{layer}"]),
            helper.make_node("MatMul", [f"act{layer}", f"w2_{weights}"], [f"down{layer}"]),
            helper.make_node("Add", [last, f"down{layer}"], [f"hidden{layer + 1}"]),
        ]
        last = f"hidden{layer + 1}"
    nodes.append(helper.make_node("Transpose", [last], ["outputs"], perm=[0, 2, 1]))
    # NeMo's striding subsampling: three times floor((L - 1) / 2) + 1.
    length = "length"
    for i in range(3):
        nodes += [
            helper.make_node("Sub", [length, "one"], [f"l{i}a"]),
            helper.make_node("Div", [f"l{i}a", "two"], [f"l{i}b"]),
            helper.make_node("Add", [f"l{i}b", "one"], ["encoded_lengths" if i == 2 else f"l{i}c"]),
        ]
        length = f"l{i}c"
    graph = helper.make_graph(
        nodes,
        "synthetic_parakeet_encoder",
        [
            helper.make_tensor_value_info("audio_signal", TensorProto.FLOAT, ["audio_signal_dynamic_axes_1", 128, "audio_signal_dynamic_axes_2"]),
            helper.make_tensor_value_info("length", TensorProto.INT64, ["length_dynamic_axes_1"]),
        ],
        [
            helper.make_tensor_value_info("outputs", TensorProto.FLOAT, ["outputs_dynamic_axes_1", D_ENC, "outputs_dynamic_axes_2"]),
            helper.make_tensor_value_info("encoded_lengths", TensorProto.INT64, ["encoded_lengths_dynamic_axes_1"]),
        ],
        inits,
    )
    return graph


def decoder_joint_model(heavy):
    v = len(VOCAB)
    w_tok = np.zeros((D_ENC, v), np.float32)
    w_dur = np.zeros((D_ENC, len(DURATIONS)), np.float32)
    for token, (_, duration) in TONES.items():
        w_tok[token, token] = SCALE
        w_dur[token, DURATIONS.index(duration)] = SCALE
    bias_tok = np.zeros(v, np.float32)
    bias_tok[BLANK] = SCALE * THRESHOLD
    bias_tok[[0, WRONG]] = -PENALTY
    bias_dur = np.zeros(len(DURATIONS), np.float32)
    bias_dur[1] = 0.1
    repeat = np.zeros((D_PRED, v), np.float32)
    for token in TONES:
        if token != HA:
            repeat[token, token] = -PENALTY
    wrong = np.zeros((D_PRED, v), np.float32)
    wrong[BLANK, WRONG] = 2 * PENALTY
    nodes = [
        helper.make_node("Squeeze", ["encoder_outputs", "axis2"], ["enc"]),
        helper.make_node("Squeeze", ["targets", "axis1"], ["last32"]),
        helper.make_node("Cast", ["last32"], ["last"], to=TensorProto.INT64),
        helper.make_node("OneHot", ["last", "depth", "onoff"], ["last_hot"]),
        # input_states_1[0] counts each consumed id; over 1.5 blanks means the state moved on a blank.
        helper.make_node("Gather", ["input_states_1", "zero"], ["counts"], axis=0),
        helper.make_node("Sub", ["counts", "one_and_half"], ["over"]),
        helper.make_node("Relu", ["over"], ["excess"]),
        helper.make_node("MatMul", ["enc", "w_tok"], ["tok_enc"]),
        helper.make_node("MatMul", ["last_hot", "repeat"], ["tok_repeat"]),
        helper.make_node("MatMul", ["excess", "wrong"], ["tok_wrong"]),
        helper.make_node("Add", ["tok_enc", "tok_repeat"], ["tok_a"]),
        helper.make_node("Add", ["tok_a", "tok_wrong"], ["tok_b"]),
        helper.make_node("Add", ["tok_b", "bias_tok"], ["tok"]),
        helper.make_node("Relu", ["enc"], ["enc_pos"]),
        helper.make_node("MatMul", ["enc_pos", "w_dur"], ["dur_a"]),
        helper.make_node("Add", ["dur_a", "bias_dur"], ["dur"]),
        helper.make_node("Concat", ["tok", "dur"], ["logits"], axis=1),
        helper.make_node("Unsqueeze", ["logits", "axes12"], ["outputs"]),
        helper.make_node("Unsqueeze", ["last_hot", "axis0"], ["hot0"]),
        helper.make_node("Pad", ["hot0", "pad_layers"], ["hot_layers"]),
        helper.make_node("Add", ["input_states_1", "hot_layers"], ["output_states_1"]),
        helper.make_node("Identity", ["target_length"], ["prednet_lengths"]),
    ]
    inits = [
        const("axis2", np.array([2], np.int64)),
        const("axis1", np.array([1], np.int64)),
        const("axis0", np.array([0], np.int64)),
        const("axes12", np.array([1, 2], np.int64)),
        const("zero", np.array(0, np.int64)),
        const("depth", np.array(D_PRED, np.int64)),
        const("onoff", np.array([0, 1], np.float32)),
        const("one_and_half", np.array(1.5, np.float32)),
        const("w_tok", w_tok),
        const("w_dur", w_dur),
        const("bias_tok", bias_tok),
        const("bias_dur", bias_dur),
        const("repeat", repeat),
        const("wrong", wrong),
        const("pad_layers", np.array([0, 0, 0, 1, 0, 0], np.int64)),
    ]
    if heavy:
        # About the arithmetic of the real prediction network and joint (two 640-unit LSTM layers and
        # the 1024/640 -> 640 -> V joint), feeding output_states_2 only.
        rng = np.random.default_rng(1)
        inits += [
            const("lstm1", (rng.standard_normal((2 * D_PRED, 4 * D_PRED)) * 1e-3).astype(np.float32)),
            const("lstm2", (rng.standard_normal((4 * D_PRED, 2 * D_PRED)) * 1e-3).astype(np.float32)),
            const("joint_enc", (rng.standard_normal((D_ENC, D_PRED)) * 1e-3).astype(np.float32)),
            const("joint_out", (rng.standard_normal((D_PRED, 2 * D_PRED)) * 1e-3).astype(np.float32)),
        ]
        nodes += [
            helper.make_node("Reshape", ["input_states_2", "flat_shape"], ["s2_flat_raw"]),
            helper.make_node("Transpose", ["input_states_2"], ["s2_t"], perm=[1, 0, 2]),
            helper.make_node("Reshape", ["s2_t", "batch_flat"], ["s2"]),
            helper.make_node("MatMul", ["s2", "lstm1"], ["g1"]),
            helper.make_node("Tanh", ["g1"], ["g1t"]),
            helper.make_node("MatMul", ["g1t", "lstm2"], ["g2"]),
            helper.make_node("MatMul", ["enc", "joint_enc"], ["je"]),
            helper.make_node("Tanh", ["je"], ["jet"]),
            helper.make_node("MatMul", ["jet", "joint_out"], ["jo"]),
            helper.make_node("Add", ["g2", "jo"], ["g3"]),
            helper.make_node("Tanh", ["g3"], ["g3t"]),
            helper.make_node("Reshape", ["g3t", "back_shape"], ["g3r"]),
            helper.make_node("Transpose", ["g3r"], ["output_states_2"], perm=[1, 0, 2]),
        ]
        inits += [
            const("flat_shape", np.array([-1], np.int64)),
            const("batch_flat", np.array([-1, 2 * D_PRED], np.int64)),
            const("back_shape", np.array([-1, 2, D_PRED], np.int64)),
        ]
    else:
        nodes.append(helper.make_node("Identity", ["input_states_2"], ["output_states_2"]))
    states = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [2, f"{name}_dynamic_axes_1", D_PRED])  # noqa: E731
    graph = helper.make_graph(
        nodes,
        "synthetic_parakeet_decoder_joint",
        [
            helper.make_tensor_value_info("encoder_outputs", TensorProto.FLOAT, ["encoder_outputs_dynamic_axes_1", D_ENC, "encoder_outputs_dynamic_axes_2"]),
            helper.make_tensor_value_info("targets", TensorProto.INT32, ["targets_dynamic_axes_1", "targets_dynamic_axes_2"]),
            helper.make_tensor_value_info("target_length", TensorProto.INT32, ["target_length_dynamic_axes_1"]),
            states("input_states_1"),
            states("input_states_2"),
        ],
        [
            helper.make_tensor_value_info("outputs", TensorProto.FLOAT, ["outputs_dynamic_axes_1", "outputs_dynamic_axes_2", "outputs_dynamic_axes_3", len(VOCAB) + len(DURATIONS)]),
            helper.make_tensor_value_info("prednet_lengths", TensorProto.INT32, ["prednet_lengths_dynamic_axes_1"]),
            states("output_states_1"),
            states("output_states_2"),
        ],
        inits,
    )
    return graph


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="speaknode-synthetic")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    out = sys.argv[1]
    heavy = int(sys.argv[sys.argv.index("--heavy") + 1]) if "--heavy" in sys.argv else 0
    suffix = ".int8" if "--int8-names" in sys.argv else ""
    os.makedirs(out, exist_ok=True)
    save(encoder_model(heavy), os.path.join(out, f"encoder-model{suffix}.onnx"))
    save(decoder_joint_model(heavy), os.path.join(out, f"decoder_joint-model{suffix}.onnx"))
    with open(os.path.join(out, "vocab.txt"), "w", encoding="utf-8") as f:
        for i, token in enumerate(VOCAB):
            f.write(f"{token} {i}\n")
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"model_type": "nemo-conformer-tdt", "features_size": 128, "subsampling_factor": 8}, f)
    print(json.dumps({"tones": {VOCAB[t]: {"hz": hz, "duration": d} for t, (hz, d) in TONES.items()}}))


if __name__ == "__main__":
    main()
