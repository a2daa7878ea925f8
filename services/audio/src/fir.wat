;; SIMD kernels for the resamplers (resampler.ts). Compiled into fir.wasm by `npm run build:wasm`;
;; fir-wasm.test.ts fails when the two disagree.
;;
;; All audio is f32 in linear memory; JavaScript owns the layout (fir-kernels.ts).
(module
  (memory (export "memory") 2)

  ;; A bank of FIR dot products, four taps at a time:
  ;;   for n < count, r < rows:  out[n*rows + r] = sum_{j < len_r} x[n*step + skip_r + j] * c_r[j]
  ;; Row r sits at $row as {i32 skip_r * 4, i32 len_r * 4, f32 c_r[len_r]}, len_r a multiple of 4
  ;; (zero-padded), rows back to back. An interpolator by L has L rows (its polyphase branches) and
  ;; step 1; a decimator by M has one row and step M.
  (func (export "firBank")
        (param $x i32) (param $step i32) (param $count i32)
        (param $rowsAt i32) (param $rows i32) (param $out i32)
    (local $n i32) (local $r i32) (local $row i32) (local $xp i32) (local $cp i32) (local $end i32)
    (local $acc v128)
    (local.set $step (i32.shl (local.get $step) (i32.const 2)))
    (block $doneN (loop $eachN
      (br_if $doneN (i32.ge_u (local.get $n) (local.get $count)))
      (local.set $row (local.get $rowsAt))
      (local.set $r (i32.const 0))
      (block $doneR (loop $eachR
        (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $xp (i32.add (local.get $x) (i32.load (local.get $row))))
        (local.set $cp (i32.add (local.get $row) (i32.const 8)))
        (local.set $end (i32.add (local.get $cp) (i32.load offset=4 (local.get $row))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (loop $eachJ
          (local.set $acc
            (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load (local.get $xp)) (v128.load (local.get $cp)))))
          (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
          (local.set $cp (i32.add (local.get $cp) (i32.const 16)))
          (br_if $eachJ (i32.lt_u (local.get $cp) (local.get $end))))
        ;; Horizontal sum of the four lanes.
        (local.set $acc
          (f32x4.add (local.get $acc)
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
        (local.set $acc
          (f32x4.add (local.get $acc)
            (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $acc) (local.get $acc))))
        (f32.store (local.get $out) (f32x4.extract_lane 0 (local.get $acc)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $row (local.get $end))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $eachR)))
      (local.set $x (i32.add (local.get $x) (local.get $step)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $eachN))))

  ;; f32 → i16, rounded to nearest and saturated, eight at a time: writes `count` rounded up to a
  ;; multiple of 8 (the caller leaves room).
  (func (export "toInt16") (param $src i32) (param $count i32) (param $dst i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 2))))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (v128.store (local.get $dst)
        (i16x8.narrow_i32x4_s
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (v128.load (local.get $src))))
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (v128.load offset=16 (local.get $src))))))
      (local.set $src (i32.add (local.get $src) (i32.const 32)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $each))))
)
