;; The hot loop of jpeg.js's sequential scans in WebAssembly: every block of a run of MCUs
;; (one restart interval, or the whole scan) in one call, exactly as jpeg-scan.js's JavaScript
;; sequentialUnit decodes them: the DC (its prediction kept per component), then the AC
;; coefficients skipped where only the DC is kept (1x1 IDCT), or summed into the 2x2 IDCT's
;; columns (4:2:0 chroma at 1/8), and the block's samples written to its component's plane.
;; web/build-wasm.mjs compiles this file into jpeg-scan-wasm.js (the bytes, for importScripts);
;; jpeg-wasm.js lays out the memory and drives the scan; jpeg-scan.js keeps its own loop where
;; WebAssembly is missing.
;; Memory (addresses in bytes):
;;   Huffman tables in slots of 36864 bytes from 0 (skip: u16[16384] at +0, AC tables only;
;;   fast: i32[512] at +32768; maxCode: i32[18] at +34816; offset: i32[18] at +34888;
;;   symbols: u8[256] at +34960; the symbol count: i32 at +35216).
;;   The scan's description at `desc`: +0 MCUs a row, +4 blocks an MCU, +8 1 for a scan of one
;;   component (no MCUs: one block a unit), +12 the bit limit (the data has certainly ended
;;   past it), +16 the address of the scan's words; from +64 each block of an MCU as
;;   [its component's record, its offset in that component's block grid] (i32 pairs).
;;   A component's record (1024 bytes): +0 blocks a row (stride), +4 h, +8 v, +12 the address
;;   of its sample plane, +16 the DC quantiser, +20 the IDCT size (1 or 2), +24 its DC table's
;;   address, +28 its AC table's, +32 the DC prediction (f64); for the 2x2 IDCT, +64 by zigzag
;;   position the column sum a coefficient adds to (i32[64]), +320 its weight (f64[64]), +832
;;   the column sums (f64[16], scratch).
;;   The scan's 32-bit words (big-endian bits, made by `unstuff` as jpeg-scan.js's createReader
;;   makes them), the sample planes after them (1024 bytes on), the file's bytes and where the
;;   restart intervals end, where jpeg-wasm.js puts them.
;; What does not belong here: markers, tables, restarts, progressive scans (jpeg.js,
;; jpeg-scan.js), colours.
(module
  (memory (export "memory") 5)

  ;; A code longer than 9 bits (jpeg-scan.js's slowSymbol): (length << 8) | symbol, -1 if none.
  (func $slow (param $table i32) (param $word i32) (result i32)
    (local $length i32)
    (local $code i32)
    (local $index i32)
    (local.set $length (i32.const 10))
    (local.set $code (i32.shr_u (local.get $word) (i32.const 22)))
    (block $found
      (loop $longer
        (br_if $found (i32.gt_s (local.get $length) (i32.const 16)))
        (br_if $found
          (i32.le_s (local.get $code)
            (i32.load offset=34816 (i32.add (local.get $table) (i32.shl (local.get $length) (i32.const 2))))))
        (local.set $length (i32.add (local.get $length) (i32.const 1)))
        (local.set $code (i32.shr_u (local.get $word) (i32.sub (i32.const 32) (local.get $length))))
        (br $longer)))
    (if (i32.gt_s (local.get $length) (i32.const 16)) (then (return (i32.const -1))))
    (local.set $index
      (i32.add (local.get $code)
        (i32.load offset=34888 (i32.add (local.get $table) (i32.shl (local.get $length) (i32.const 2))))))
    (if (i32.or
          (i32.lt_s (local.get $index) (i32.const 0))
          (i32.ge_s (local.get $index) (i32.load offset=35216 (local.get $table))))
      (then (return (i32.const -1))))
    (i32.or
      (i32.shl (local.get $length) (i32.const 8))
      (i32.load8_u offset=34960 (i32.add (local.get $table) (local.get $index)))))

  ;; One output row of the 2x2 IDCT from its first pass's column values (jpeg-scan.js's
  ;; twoByTwoSums, every operation in the same order): two samples at `out`.
  (func $twoByTwoRow (param $out i32) (param $w0 f64) (param $w1 f64) (param $w3 f64) (param $w5 f64) (param $w7 f64)
    (local $even f64)
    (local $odd f64)
    (local.set $even (f64.mul (local.get $w0) (f64.const 32768)))
    (local.set $odd
      (f64.add
        (f64.add
          (f64.add (f64.mul (local.get $w7) (f64.const -5906)) (f64.mul (local.get $w5) (f64.const 6967)))
          (f64.mul (local.get $w3) (f64.const -10426)))
        (f64.mul (local.get $w1) (f64.const 29692))))
    (i32.store8 (local.get $out)
      (i32.trunc_f64_s
        (f64.min
          (f64.max
            (f64.add
              (f64.floor (f64.mul (f64.add (f64.add (local.get $even) (local.get $odd)) (f64.const 524288)) (f64.const 0x1p-20)))
              (f64.const 128))
            (f64.const 0))
          (f64.const 255))))
    (i32.store8 offset=1 (local.get $out)
      (i32.trunc_f64_s
        (f64.min
          (f64.max
            (f64.add
              (f64.floor (f64.mul (f64.add (f64.add (local.get $even) (f64.neg (local.get $odd))) (f64.const 524288)) (f64.const 0x1p-20)))
              (f64.const 128))
            (f64.const 0))
          (f64.const 255)))))

  ;; The rest of jpeg_idct_2x2 from the component's column sums: the block's 2x2 samples, at rows
  ;; 2 * (index / stride) and the next, columns 2 * (index % stride) and the next.
  (func $twoByTwo (param $comp i32) (param $index i32)
    (local $stride i32)
    (local $out i32)
    (local $e f64)
    (local $o f64)
    (local $a0 f64) (local $a1 f64) (local $a3 f64) (local $a5 f64) (local $a7 f64)
    (local $b0 f64) (local $b1 f64) (local $b3 f64) (local $b5 f64) (local $b7 f64)
    (local.set $e (f64.load offset=832 (local.get $comp)))
    (local.set $o (f64.load offset=896 (local.get $comp)))
    (local.set $a0 (f64.floor (f64.mul (f64.add (f64.add (local.get $e) (local.get $o)) (f64.const 4096)) (f64.const 0x1p-13))))
    (local.set $b0 (f64.floor (f64.mul (f64.add (f64.add (local.get $e) (f64.neg (local.get $o))) (f64.const 4096)) (f64.const 0x1p-13))))
    (local.set $e (f64.load offset=840 (local.get $comp)))
    (local.set $o (f64.load offset=904 (local.get $comp)))
    (local.set $a1 (f64.floor (f64.mul (f64.add (f64.add (local.get $e) (local.get $o)) (f64.const 4096)) (f64.const 0x1p-13))))
    (local.set $b1 (f64.floor (f64.mul (f64.add (f64.add (local.get $e) (f64.neg (local.get $o))) (f64.const 4096)) (f64.const 0x1p-13))))
    (local.set $e (f64.load offset=856 (local.get $comp)))
    (local.set $o (f64.load offset=920 (local.get $comp)))
    (local.set $a3 (f64.floor (f64.mul (f64.add (f64.add (local.get $e) (local.get $o)) (f64.const 4096)) (f64.const 0x1p-13))))
    (local.set $b3 (f64.floor (f64.mul (f64.add (f64.add (local.get $e) (f64.neg (local.get $o))) (f64.const 4096)) (f64.const 0x1p-13))))
    (local.set $e (f64.load offset=872 (local.get $comp)))
    (local.set $o (f64.load offset=936 (local.get $comp)))
    (local.set $a5 (f64.floor (f64.mul (f64.add (f64.add (local.get $e) (local.get $o)) (f64.const 4096)) (f64.const 0x1p-13))))
    (local.set $b5 (f64.floor (f64.mul (f64.add (f64.add (local.get $e) (f64.neg (local.get $o))) (f64.const 4096)) (f64.const 0x1p-13))))
    (local.set $e (f64.load offset=888 (local.get $comp)))
    (local.set $o (f64.load offset=952 (local.get $comp)))
    (local.set $a7 (f64.floor (f64.mul (f64.add (f64.add (local.get $e) (local.get $o)) (f64.const 4096)) (f64.const 0x1p-13))))
    (local.set $b7 (f64.floor (f64.mul (f64.add (f64.add (local.get $e) (f64.neg (local.get $o))) (f64.const 4096)) (f64.const 0x1p-13))))
    (local.set $stride (i32.load (local.get $comp)))
    (local.set $out
      (i32.add (i32.load offset=12 (local.get $comp))
        (i32.add
          (i32.mul (i32.shl (i32.div_u (local.get $index) (local.get $stride)) (i32.const 2)) (local.get $stride))
          (i32.shl (i32.rem_u (local.get $index) (local.get $stride)) (i32.const 1)))))
    (call $twoByTwoRow (local.get $out) (local.get $a0) (local.get $a1) (local.get $a3) (local.get $a5) (local.get $a7))
    (call $twoByTwoRow (i32.add (local.get $out) (i32.shl (local.get $stride) (i32.const 1)))
      (local.get $b0) (local.get $b1) (local.get $b3) (local.get $b5) (local.get $b7)))

  ;; $twoByTwo for a block with no AC coefficient, its DC's column sum `dc`: every other sum is
  ;; 0, so the four samples are equal, and what $twoByTwo would make of them.
  (func $dcOnly (param $comp i32) (param $index i32) (param $dc f64)
    (local $stride i32)
    (local $out i32)
    (local $sample i32)
    (local.set $sample
      (i32.mul (i32.const 0x0101)
        (i32.trunc_f64_s
          (f64.min
            (f64.max
              (f64.add
                (f64.floor
                  (f64.mul
                    (f64.add
                      (f64.mul
                        (f64.floor (f64.mul (f64.add (local.get $dc) (f64.const 4096)) (f64.const 0x1p-13)))
                        (f64.const 32768))
                      (f64.const 524288))
                    (f64.const 0x1p-20)))
                (f64.const 128))
              (f64.const 0))
            (f64.const 255)))))
    (local.set $stride (i32.load (local.get $comp)))
    (local.set $out
      (i32.add (i32.load offset=12 (local.get $comp))
        (i32.add
          (i32.mul (i32.shl (i32.div_u (local.get $index) (local.get $stride)) (i32.const 2)) (local.get $stride))
          (i32.shl (i32.rem_u (local.get $index) (local.get $stride)) (i32.const 1)))))
    (i32.store16 (local.get $out) (local.get $sample))
    (i32.store16 (i32.add (local.get $out) (i32.shl (local.get $stride) (i32.const 1))) (local.get $sample)))

  ;; Decodes units `unit` .. `last` - 1 of the scan described at `desc` (an MCU each, or one block
  ;; in a scan of one component) from bit `bitpos` of the words: the bit position after them, -1
  ;; where the data has certainly ended (past `limit`), -2 for bad data. The next bits are kept
  ;; left-aligned in $buf ($bits of them, 32 or more before each code is read), the words read
  ;; from $next on; a block reads at most 64 words past the limit.
  (func (export "scan") (param $desc i32) (param $unit i32) (param $last i32) (param $bitpos i32) (result i32)
    (local $unitsX i32)
    (local $perUnit i32)
    (local $single i32)
    (local $limit i32)
    (local $words i32)
    (local $buf i64)
    (local $bits i32)
    (local $next i32)
    (local $uy i32)
    (local $ux i32)
    (local $b i32)
    (local $block i32)
    (local $comp i32)
    (local $index i32)
    (local $table i32)
    (local $word i32)
    (local $entry i32)
    (local $length i32)
    (local $symbol i32)
    (local $size i32)
    (local $value i32)
    (local $step i32)
    (local $k i32)
    (local $later i32)
    (local $any i32)
    (local $sum i32)
    (local $pred f64)
    (local.set $unitsX (i32.load (local.get $desc)))
    (local.set $perUnit (i32.load offset=4 (local.get $desc)))
    (local.set $single (i32.load offset=8 (local.get $desc)))
    (local.set $limit (i32.load offset=12 (local.get $desc)))
    (local.set $words (i32.load offset=16 (local.get $desc)))
    (local.set $next (i32.add (local.get $words) (i32.shl (i32.shr_u (local.get $bitpos) (i32.const 5)) (i32.const 2))))
    (local.set $bits (i32.sub (i32.const 32) (i32.and (local.get $bitpos) (i32.const 31))))
    (local.set $buf
      (i64.shl (i64.extend_i32_u (i32.load (local.get $next)))
        (i64.extend_i32_u (i32.sub (i32.const 64) (local.get $bits)))))
    (local.set $next (i32.add (local.get $next) (i32.const 4)))
    (block $done
      (loop $units
        (br_if $done (i32.ge_u (local.get $unit) (local.get $last)))
        (local.set $uy (i32.div_u (local.get $unit) (local.get $unitsX)))
        (local.set $ux (i32.sub (local.get $unit) (i32.mul (local.get $uy) (local.get $unitsX))))
        (local.set $b (i32.const 0))
        (loop $blocks
          (local.set $block (i32.add (local.get $desc) (i32.shl (local.get $b) (i32.const 3))))
          (local.set $comp (i32.load offset=64 (local.get $block)))
          (local.set $index
            (i32.add (i32.load offset=68 (local.get $block))
              (if (result i32) (local.get $single)
                (then (i32.add (i32.mul (local.get $uy) (i32.load (local.get $comp))) (local.get $ux)))
                (else
                  (i32.add
                    (i32.mul (i32.mul (local.get $uy) (i32.load offset=8 (local.get $comp))) (i32.load (local.get $comp)))
                    (i32.mul (local.get $ux) (i32.load offset=4 (local.get $comp))))))))
          (if (i32.gt_u
                (i32.sub (i32.shl (i32.sub (local.get $next) (local.get $words)) (i32.const 3)) (local.get $bits))
                (local.get $limit))
            (then (return (i32.const -1))))
          ;; The DC: code and value fit in 32 bits (16 + 11).
          (if (i32.lt_u (local.get $bits) (i32.const 32))
            (then
              (local.set $buf
                (i64.or (local.get $buf)
                  (i64.shl (i64.extend_i32_u (i32.load (local.get $next)))
                    (i64.extend_i32_u (i32.sub (i32.const 32) (local.get $bits))))))
              (local.set $next (i32.add (local.get $next) (i32.const 4)))
              (local.set $bits (i32.add (local.get $bits) (i32.const 32)))))
          (local.set $word (i32.wrap_i64 (i64.shr_u (local.get $buf) (i64.const 32))))
          (local.set $entry
            (i32.load offset=32768 (i32.add (i32.load offset=24 (local.get $comp)) (i32.shl (i32.shr_u (local.get $word) (i32.const 23)) (i32.const 2)))))
          (if (i32.eqz (local.get $entry))
            (then
              (local.set $entry (call $slow (i32.load offset=24 (local.get $comp)) (local.get $word)))
              (if (i32.lt_s (local.get $entry) (i32.const 0)) (then (return (i32.const -2))))))
          (local.set $length (i32.shr_u (local.get $entry) (i32.const 8)))
          (local.set $size (i32.and (local.get $entry) (i32.const 255)))
          (local.set $value (i32.const 0))
          (if (local.get $size)
            (then
              (if (i32.gt_u (local.get $size) (i32.const 11)) (then (return (i32.const -2))))
              (local.set $value
            (i32.shr_u (i32.shl (local.get $word) (local.get $length)) (i32.sub (i32.const 32) (local.get $size))))
          (if (i32.lt_u (local.get $value) (i32.shl (i32.const 1) (i32.sub (local.get $size) (i32.const 1))))
            (then
              (local.set $value
                (i32.sub (local.get $value) (i32.sub (i32.shl (i32.const 1) (local.get $size)) (i32.const 1))))))))
          (local.set $buf (i64.shl (local.get $buf) (i64.extend_i32_u (i32.add (local.get $length) (local.get $size)))))
          (local.set $bits (i32.sub (local.get $bits) (i32.add (local.get $length) (local.get $size))))
          (local.set $pred (f64.add (f64.load offset=32 (local.get $comp)) (f64.convert_i32_s (local.get $value))))
          (f64.store offset=32 (local.get $comp) (local.get $pred))
          (local.set $table (i32.load offset=28 (local.get $comp)))
          (local.set $k (i32.const 1))
          (if (i32.eq (i32.load offset=20 (local.get $comp)) (i32.const 1))
            (then
              ;; Only skipped: several coefficients a lookup of the top 14 bits (jpeg-scan.js's
              ;; skipTable); one at a time where they do not fit.
              (block $skipped
                (loop $skip
                  (if (i32.lt_u (local.get $bits) (i32.const 32))
            (then
              (local.set $buf
                (i64.or (local.get $buf)
                  (i64.shl (i64.extend_i32_u (i32.load (local.get $next)))
                    (i64.extend_i32_u (i32.sub (i32.const 32) (local.get $bits))))))
              (local.set $next (i32.add (local.get $next) (i32.const 4)))
              (local.set $bits (i32.add (local.get $bits) (i32.const 32)))))
                  (local.set $step
                    (i32.load16_u
                      (i32.add (local.get $table)
                        (i32.shl (i32.wrap_i64 (i64.shr_u (local.get $buf) (i64.const 50))) (i32.const 1)))))
                  (local.set $later (i32.add (local.get $k) (i32.shr_u (local.get $step) (i32.const 6))))
                  (if (i32.le_s (local.get $later) (i32.const 64))
                    (then
                      (local.set $buf (i64.shl (local.get $buf) (i64.extend_i32_u (i32.and (local.get $step) (i32.const 31)))))
          (local.set $bits (i32.sub (local.get $bits) (i32.and (local.get $step) (i32.const 31))))
                      (br_if $skipped
                        (i32.or
                          (i32.ne (i32.and (local.get $step) (i32.const 32)) (i32.const 0))
                          (i32.eq (local.get $later) (i32.const 64))))
                      (local.set $k (local.get $later))
                      (br $skip)))
                  (local.set $word (i32.wrap_i64 (i64.shr_u (local.get $buf) (i64.const 32))))
                  (local.set $entry
            (i32.load offset=32768 (i32.add (local.get $table) (i32.shl (i32.shr_u (local.get $word) (i32.const 23)) (i32.const 2)))))
          (if (i32.eqz (local.get $entry))
            (then
              (local.set $entry (call $slow (local.get $table) (local.get $word)))
              (if (i32.lt_s (local.get $entry) (i32.const 0)) (then (return (i32.const -2))))))
                  (local.set $symbol (i32.and (local.get $entry) (i32.const 255)))
                  (local.set $buf (i64.shl (local.get $buf) (i64.extend_i32_u (i32.add (i32.shr_u (local.get $entry) (i32.const 8)) (i32.and (local.get $symbol) (i32.const 15))))))
          (local.set $bits (i32.sub (local.get $bits) (i32.add (i32.shr_u (local.get $entry) (i32.const 8)) (i32.and (local.get $symbol) (i32.const 15)))))
                  (if (i32.eqz (i32.and (local.get $symbol) (i32.const 15)))
                    (then
                      (br_if $skipped (i32.eqz (local.get $symbol)))
                      (if (i32.ne (local.get $symbol) (i32.const 0xf0)) (then (return (i32.const -2))))
                      (local.set $k (i32.add (local.get $k) (i32.const 16))))
                    (else
                      (local.set $k (i32.add (local.get $k) (i32.add (i32.shr_u (local.get $symbol) (i32.const 4)) (i32.const 1))))))
                  (if (i32.ge_s (local.get $k) (i32.const 64))
                    (then
                      (if (i32.gt_s (local.get $k) (i32.const 64)) (then (return (i32.const -2))))
                      (br $skipped)))
                  (br $skip)))
              ;; libjpeg's jpeg_idct_1x1: ((dc * quant + 4) >> 3) + 128, clamped.
              (local.set $value
                (i32.add
                  (i32.shr_s
                    (i32.wrap_i64
                      (i64.trunc_f64_s
                        (f64.add
                          (f64.mul (local.get $pred) (f64.convert_i32_s (i32.load offset=16 (local.get $comp))))
                          (f64.const 4))))
                    (i32.const 3))
                  (i32.const 128)))
              (i32.store8
                (i32.add (i32.load offset=12 (local.get $comp)) (local.get $index))
                (select (i32.const 0)
                  (select (i32.const 255) (local.get $value) (i32.gt_s (local.get $value) (i32.const 255)))
                  (i32.lt_s (local.get $value) (i32.const 0)))))
            (else
              ;; Summed straight into the 2x2 IDCT's column sums (jpeg-scan.js's twoByTwoWeights).
              ;; (zeroed, and the DC's put in, at the first AC coefficient: see $dcOnly)
              (local.set $any (i32.const 0))
              (block $summed
                (loop $coefficients
                  (br_if $summed (i32.ge_s (local.get $k) (i32.const 64)))
                  (if (i32.lt_u (local.get $bits) (i32.const 32))
            (then
              (local.set $buf
                (i64.or (local.get $buf)
                  (i64.shl (i64.extend_i32_u (i32.load (local.get $next)))
                    (i64.extend_i32_u (i32.sub (i32.const 32) (local.get $bits))))))
              (local.set $next (i32.add (local.get $next) (i32.const 4)))
              (local.set $bits (i32.add (local.get $bits) (i32.const 32)))))
                  (local.set $word (i32.wrap_i64 (i64.shr_u (local.get $buf) (i64.const 32))))
                  (local.set $entry
            (i32.load offset=32768 (i32.add (local.get $table) (i32.shl (i32.shr_u (local.get $word) (i32.const 23)) (i32.const 2)))))
          (if (i32.eqz (local.get $entry))
            (then
              (local.set $entry (call $slow (local.get $table) (local.get $word)))
              (if (i32.lt_s (local.get $entry) (i32.const 0)) (then (return (i32.const -2))))))
                  (local.set $length (i32.shr_u (local.get $entry) (i32.const 8)))
                  (local.set $symbol (i32.and (local.get $entry) (i32.const 255)))
                  (local.set $size (i32.and (local.get $symbol) (i32.const 15)))
                  (if (i32.eqz (local.get $size))
                    (then
                      (local.set $buf (i64.shl (local.get $buf) (i64.extend_i32_u (local.get $length))))
          (local.set $bits (i32.sub (local.get $bits) (local.get $length)))
                      (br_if $summed (i32.eqz (local.get $symbol)))
                      (if (i32.ne (local.get $symbol) (i32.const 0xf0)) (then (return (i32.const -2))))
                      (local.set $k (i32.add (local.get $k) (i32.const 16)))
                      (br $coefficients)))
                  (local.set $k (i32.add (local.get $k) (i32.shr_u (local.get $symbol) (i32.const 4))))
                  (if (i32.gt_s (local.get $k) (i32.const 63)) (then (return (i32.const -2))))
                  (local.set $value
            (i32.shr_u (i32.shl (local.get $word) (local.get $length)) (i32.sub (i32.const 32) (local.get $size))))
          (if (i32.lt_u (local.get $value) (i32.shl (i32.const 1) (i32.sub (local.get $size) (i32.const 1))))
            (then
              (local.set $value
                (i32.sub (local.get $value) (i32.sub (i32.shl (i32.const 1) (local.get $size)) (i32.const 1))))))
                  (if (i32.eqz (local.get $any))
                    (then
                      (memory.fill (i32.add (local.get $comp) (i32.const 832)) (i32.const 0) (i32.const 128))
                      (f64.store offset=832 (local.get $comp)
                        (f64.mul (local.get $pred) (f64.load offset=320 (local.get $comp))))
                      (local.set $any (i32.const 1))))
                  ;; sums[slots[k]] += value * weights[k]
                  (local.set $sum
                    (i32.add (local.get $comp)
                      (i32.shl (i32.load offset=64 (i32.add (local.get $comp) (i32.shl (local.get $k) (i32.const 2))))
                        (i32.const 3))))
                  (f64.store offset=832 (local.get $sum)
                    (f64.add (f64.load offset=832 (local.get $sum))
                      (f64.mul (f64.convert_i32_s (local.get $value))
                        (f64.load offset=320 (i32.add (local.get $comp) (i32.shl (local.get $k) (i32.const 3)))))))
                  (local.set $buf (i64.shl (local.get $buf) (i64.extend_i32_u (i32.add (local.get $length) (local.get $size)))))
          (local.set $bits (i32.sub (local.get $bits) (i32.add (local.get $length) (local.get $size))))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br $coefficients)))
              (if (local.get $any)
                (then (call $twoByTwo (local.get $comp) (local.get $index)))
                (else
                  (call $dcOnly (local.get $comp) (local.get $index)
                    (f64.mul (local.get $pred) (f64.load offset=320 (local.get $comp))))))))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br_if $blocks (i32.lt_u (local.get $b) (local.get $perUnit))))
        (local.set $unit (i32.add (local.get $unit) (i32.const 1)))
        (br $units)))
    (i32.sub (i32.shl (i32.sub (local.get $next) (local.get $words)) (i32.const 3)) (local.get $bits)))

  ;; jpeg-scan.js's createReader: the entropy-coded bytes from `at` (the byte at `last`, the
  ;; file's last, is never read as data) with the byte stuffing taken out, as big-endian 32-bit
  ;; words at `words`, then three zero words; where each restart interval ends (bytes written so
  ;; far) at `ends`. Answers how many ends (the last one the scan's), -1 where no marker ends the
  ;; scan, -3 past `capacity` ends; writes the bytes written at `result` and the address of the
  ;; marker after the scan at `result` + 4.
  (func (export "unstuff")
    (param $at i32) (param $last i32) (param $words i32) (param $ends i32) (param $capacity i32) (param $result i32)
    (result i32)
    (local $out i32)
    (local $word i32)
    (local $four i32)
    (local $count i32)
    (local $second i32)
    (local $first i32)
    (block $marker
      (loop $bytes
        ;; Four bytes at a time while none is 0xFF and the output is at a whole word.
        (if (i32.eqz (i32.and (local.get $out) (i32.const 3)))
          (then
            (block $stuffed
              (loop $fours
                (br_if $stuffed (i32.gt_u (i32.add (local.get $at) (i32.const 4)) (local.get $last)))
                (local.set $four (i32.load (local.get $at)))
                (br_if $stuffed
                  (i32.and
                    (i32.and (i32.sub (i32.xor (local.get $four) (i32.const -1)) (i32.const 0x01010101)) (local.get $four))
                    (i32.const 0x80808080)))
                (i32.store (i32.add (local.get $words) (local.get $out))
                  (i32.or
                    (i32.or (i32.shl (local.get $four) (i32.const 24))
                      (i32.shl (i32.and (local.get $four) (i32.const 0xff00)) (i32.const 8)))
                    (i32.or (i32.and (i32.shr_u (local.get $four) (i32.const 8)) (i32.const 0xff00))
                      (i32.shr_u (local.get $four) (i32.const 24)))))
                (local.set $at (i32.add (local.get $at) (i32.const 4)))
                (local.set $out (i32.add (local.get $out) (i32.const 4)))
                (br $fours)))))
        (if (i32.ge_u (local.get $at) (local.get $last)) (then (return (i32.const -1))))
        (if (i32.ne (i32.load8_u (local.get $at)) (i32.const 0xff))
          (then
            (local.set $word (i32.or (i32.shl (local.get $word) (i32.const 8)) (i32.load8_u (local.get $at))))
            (local.set $at (i32.add (local.get $at) (i32.const 1)))
            (local.set $out (i32.add (local.get $out) (i32.const 1)))
            (if (i32.eqz (i32.and (local.get $out) (i32.const 3)))
              (then (i32.store (i32.add (local.get $words) (i32.sub (local.get $out) (i32.const 4))) (local.get $word))))
            (br $bytes)))
        (local.set $second (i32.load8_u offset=1 (local.get $at)))
        (if (i32.eqz (local.get $second))
          (then
            (local.set $word (i32.or (i32.shl (local.get $word) (i32.const 8)) (i32.const 0xff)))
            (local.set $at (i32.add (local.get $at) (i32.const 2)))
            (local.set $out (i32.add (local.get $out) (i32.const 1)))
            (if (i32.eqz (i32.and (local.get $out) (i32.const 3)))
              (then (i32.store (i32.add (local.get $words) (i32.sub (local.get $out) (i32.const 4))) (local.get $word))))
            (br $bytes)))
        (if (i32.eq (local.get $second) (i32.const 0xff))
          (then
            (local.set $at (i32.add (local.get $at) (i32.const 1))) ;; a fill byte
            (br $bytes)))
        (if (i32.ge_u (local.get $count) (local.get $capacity)) (then (return (i32.const -3))))
        (i32.store (i32.add (local.get $ends) (i32.shl (local.get $count) (i32.const 2))) (local.get $out))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (br_if $marker (i32.or (i32.lt_u (local.get $second) (i32.const 0xd0)) (i32.gt_u (local.get $second) (i32.const 0xd7))))
        (local.set $at (i32.add (local.get $at) (i32.const 2)))
        (br $bytes)))
    ;; Past the data, zero bits (as libjpeg supplies them).
    (if (i32.and (local.get $out) (i32.const 3))
      (then
        (i32.store (i32.add (local.get $words) (i32.and (local.get $out) (i32.const -4)))
          (i32.shl (local.get $word) (i32.shl (i32.sub (i32.const 4) (i32.and (local.get $out) (i32.const 3))) (i32.const 3))))))
    (local.set $first (i32.add (local.get $words) (i32.and (i32.add (local.get $out) (i32.const 3)) (i32.const -4))))
    (i64.store (local.get $first) (i64.const 0))
    (i32.store offset=8 (local.get $first) (i32.const 0))
    (i32.store (local.get $result) (local.get $out))
    (i32.store offset=4 (local.get $result) (local.get $at))
    (local.get $count))
)
