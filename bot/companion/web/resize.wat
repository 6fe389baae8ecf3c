;; Pillow's horizontal LANCZOS pass (libImaging Resample.c, 8-bit, as perceptual.js's
;; horizontalPass follows it) over a batch of rows, four products at a time (SIMD): each output
;; byte is clip8(half + the sum of input bytes times 22-bit fixed-point coefficients), the sum in
;; 32-bit integers, which wrap exactly as JavaScript's Math.imul and | 0 do (and never need to).
;; web/build-wasm.mjs compiles this file into resize-wasm.js; perceptual.js starts it, copies the
;; coefficients and rows in for each batch and the output bytes out, and keeps its own loop
;; where WebAssembly (or its SIMD) is missing.
;; What does not belong here: the coefficients, the vertical pass, the hashes (perceptual.js).
(module
  (memory (export "memory") 1)

  ;; `count` rows of `width` bytes from `rows`, each into `outWidth` bytes from `out` (row after
  ;; row): output o of a row sums input bytes bounds[2o] .. bounds[2o] + bounds[2o + 1] - 1
  ;; (i32 pairs at `bounds`) times coefficients o * ksize .. (i32s at `coeffs`).
  (func (export "horizontal")
    (param $rows i32) (param $count i32) (param $width i32) (param $bounds i32) (param $coeffs i32)
    (param $ksize i32) (param $outWidth i32) (param $out i32)
    (local $row i32)
    (local $o i32)
    (local $first i32)
    (local $taps i32)
    (local $weights i32)
    (local $x i32)
    (local $acc v128)
    (local $sum i32)
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.eqz (local.get $count)))
        (local.set $o (i32.const 0))
        (block $outputsDone
          (loop $eachOutput
            (br_if $outputsDone (i32.ge_u (local.get $o) (local.get $outWidth)))
            (local.set $first
              (i32.add (local.get $rows) (i32.load (i32.add (local.get $bounds) (i32.shl (local.get $o) (i32.const 3))))))
            (local.set $taps (i32.load offset=4 (i32.add (local.get $bounds) (i32.shl (local.get $o) (i32.const 3)))))
            (local.set $weights
              (i32.add (local.get $coeffs) (i32.shl (i32.mul (local.get $o) (local.get $ksize)) (i32.const 2))))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $x (i32.const 0))
            (block $foursDone
              (loop $fours
                (br_if $foursDone (i32.gt_u (i32.add (local.get $x) (i32.const 4)) (local.get $taps)))
                (local.set $acc
                  (i32x4.add (local.get $acc)
                    (i32x4.mul
                      (i32x4.extend_low_i16x8_u
                        (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $first) (local.get $x)))))
                      (v128.load (i32.add (local.get $weights) (i32.shl (local.get $x) (i32.const 2)))))))
                (local.set $x (i32.add (local.get $x) (i32.const 4)))
                (br $fours)))
            (local.set $sum
              (i32.add
                (i32.add (i32.const 0x200000) (i32x4.extract_lane 0 (local.get $acc)))
                (i32.add
                  (i32x4.extract_lane 1 (local.get $acc))
                  (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc))))))
            (block $tailDone
              (loop $tail
                (br_if $tailDone (i32.ge_u (local.get $x) (local.get $taps)))
                (local.set $sum
                  (i32.add (local.get $sum)
                    (i32.mul
                      (i32.load8_u (i32.add (local.get $first) (local.get $x)))
                      (i32.load (i32.add (local.get $weights) (i32.shl (local.get $x) (i32.const 2)))))))
                (local.set $x (i32.add (local.get $x) (i32.const 1)))
                (br $tail)))
            ;; clip8: the sum in 22-bit fixed point, floored, clamped to a byte.
            (local.set $sum (i32.shr_s (local.get $sum) (i32.const 22)))
            (i32.store8 (i32.add (local.get $out) (local.get $o))
              (select (i32.const 0)
                (select (i32.const 255) (local.get $sum) (i32.gt_s (local.get $sum) (i32.const 255)))
                (i32.lt_s (local.get $sum) (i32.const 0))))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br $eachOutput)))
        (local.set $rows (i32.add (local.get $rows) (local.get $width)))
        (local.set $out (i32.add (local.get $out) (local.get $outWidth)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $eachRow))))
)
