;; The hot loop of jpeg-scan.js's sequentialUnit in WebAssembly: skipping one block's AC
;; coefficients (k from 1) where only its DC is kept, exactly as the JavaScript loop does.
;; web/build-wasm.mjs compiles this file into jpeg-scan-wasm.js (the bytes, for importScripts);
;; jpeg-wasm.js lays out the memory; jpeg-scan.js keeps its own loop where WebAssembly is missing.
;; Memory: Huffman tables in slots of 36864 bytes from 0 (skip: u16[16384] at +0; fast:
;; i32[512] at +32768; maxCode: i32[18] at +34816; offset: i32[18] at +34888; symbols: u8[256]
;; at +34960; the symbol count: i32 at +35216), the scan's 32-bit words after them.
;; What does not belong here: the DC, the 2x2 IDCT's coefficients, markers (jpeg-scan.js).
(module
  (memory (export "memory") 3)

  ;; The 32 bits from `bitpos` on, left-aligned (jpeg-scan.js's peek).
  (func $peek (param $words i32) (param $bitpos i32) (result i32)
    (local $at i32)
    (local $shift i32)
    (local.set $at (i32.add (local.get $words) (i32.shl (i32.shr_u (local.get $bitpos) (i32.const 5)) (i32.const 2))))
    (local.set $shift (i32.and (local.get $bitpos) (i32.const 31)))
    (i32.or
      (i32.shl (i32.load (local.get $at)) (local.get $shift))
      (i32.shr_u
        (i32.shr_u (i32.load offset=4 (local.get $at)) (i32.const 1))
        (i32.sub (i32.const 31) (local.get $shift)))))

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

  ;; Skips one block's AC coefficients from `bitpos`: the bit position after them; -1 where the
  ;; position passes `limit` (the data has ended: jpeg-scan.js's check), -2 for bad data.
  (func (export "skipAc")
    (param $bitpos i32) (param $table i32) (param $words i32) (param $limit i32) (result i32)
    (local $k i32)
    (local $word i32)
    (local $step i32)
    (local $next i32)
    (local $entry i32)
    (local $symbol i32)
    (local $at i32)
    (local $shift i32)
    (local.set $k (i32.const 1))
    (loop $coefficients
      (if (i32.gt_u (local.get $bitpos) (local.get $limit)) (then (return (i32.const -1))))
      (local.set $at (i32.add (local.get $words) (i32.shl (i32.shr_u (local.get $bitpos) (i32.const 5)) (i32.const 2))))
      (local.set $shift (i32.and (local.get $bitpos) (i32.const 31)))
      (local.set $word
        (i32.or
          (i32.shl (i32.load (local.get $at)) (local.get $shift))
          (i32.shr_u
            (i32.shr_u (i32.load offset=4 (local.get $at)) (i32.const 1))
            (i32.sub (i32.const 31) (local.get $shift)))))
      (local.set $step
        (i32.load16_u (i32.add (local.get $table) (i32.shl (i32.shr_u (local.get $word) (i32.const 18)) (i32.const 1)))))
      (local.set $next (i32.add (local.get $k) (i32.shr_u (local.get $step) (i32.const 6))))
      (if (i32.le_s (local.get $next) (i32.const 64))
        (then
          (local.set $bitpos (i32.add (local.get $bitpos) (i32.and (local.get $step) (i32.const 31))))
          (if (i32.or
                (i32.ne (i32.and (local.get $step) (i32.const 32)) (i32.const 0))
                (i32.eq (local.get $next) (i32.const 64)))
            (then (return (local.get $bitpos))))
          (local.set $k (local.get $next))
          (br $coefficients)))
      (local.set $entry
        (i32.load offset=32768 (i32.add (local.get $table) (i32.shl (i32.shr_u (local.get $word) (i32.const 23)) (i32.const 2)))))
      (if (i32.eqz (local.get $entry))
        (then
          (local.set $entry (call $slow (local.get $table) (local.get $word)))
          (if (i32.lt_s (local.get $entry) (i32.const 0)) (then (return (i32.const -2))))))
      (local.set $symbol (i32.and (local.get $entry) (i32.const 255)))
      (local.set $bitpos
        (i32.add (local.get $bitpos)
          (i32.add (i32.shr_u (local.get $entry) (i32.const 8)) (i32.and (local.get $symbol) (i32.const 15)))))
      (if (i32.eqz (i32.and (local.get $symbol) (i32.const 15)))
        (then
          (if (i32.eqz (local.get $symbol)) (then (return (local.get $bitpos))))
          (if (i32.ne (local.get $symbol) (i32.const 0xf0)) (then (return (i32.const -2))))
          (local.set $k (i32.add (local.get $k) (i32.const 16))))
        (else
          (local.set $k (i32.add (local.get $k) (i32.add (i32.shr_u (local.get $symbol) (i32.const 4)) (i32.const 1))))))
      (if (i32.ge_s (local.get $k) (i32.const 64))
        (then
          (if (i32.gt_s (local.get $k) (i32.const 64)) (then (return (i32.const -2))))
          (return (local.get $bitpos))))
      (br $coefficients))
    (unreachable))

)
