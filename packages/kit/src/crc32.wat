;; CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) by slicing-by-8, as
;; WebAssembly: crc32.ts's table loop, compiled ahead of time.
;;
;; Why: a log record is a few hundred bytes, too few to pay for a call into
;; node:zlib's native crc32 and too many for the JavaScript table loop to be
;; cheap (bench/raft-log's 128-byte entries: about 300 ns each in
;; JavaScript, 170 ns here with the copy in). Past about 512 bytes zlib is
;; faster, and crc32.ts uses it there. Assembled by scripts/build-wasm.mjs
;; into crc32-wasm.ts.
;;
;; Memory layout (byte offsets):
;;   0      the 8 tables: 8 × 256 × u32; table k advances a byte k places
;;   8192   the input, copied in by the caller (up to the end of memory)
(module
  (memory (export "memory") 2)

  ;; Table 0 is the bytewise table; table k maps a byte to the CRC of it
  ;; followed by k zero bytes (table k-1's entry, advanced one byte).
  (func $init
    (local $i i32) (local $c i32) (local $bit i32) (local $table i32)
    (loop $bytes
      (local.set $c (local.get $i))
      (local.set $bit (i32.const 0))
      (loop $bits
        (local.set $c
          (select
            (i32.xor (i32.const 0xedb88320) (i32.shr_u (local.get $c) (i32.const 1)))
            (i32.shr_u (local.get $c) (i32.const 1))
            (i32.and (local.get $c) (i32.const 1))))
        (local.set $bit (i32.add (local.get $bit) (i32.const 1)))
        (br_if $bits (i32.lt_u (local.get $bit) (i32.const 8))))
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $c))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $bytes (i32.lt_u (local.get $i) (i32.const 256))))
    (local.set $table (i32.const 1))
    (loop $tables
      (local.set $i (i32.const 0))
      (loop $entries
        (local.set $c
          (i32.load (i32.add (i32.shl (i32.sub (local.get $table) (i32.const 1)) (i32.const 10)) (i32.shl (local.get $i) (i32.const 2)))))
        (i32.store
          (i32.add (i32.shl (local.get $table) (i32.const 10)) (i32.shl (local.get $i) (i32.const 2)))
          (i32.xor
            (i32.load (i32.shl (i32.and (local.get $c) (i32.const 0xff)) (i32.const 2)))
            (i32.shr_u (local.get $c) (i32.const 8))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $entries (i32.lt_u (local.get $i) (i32.const 256))))
      (local.set $table (i32.add (local.get $table) (i32.const 1)))
      (br_if $tables (i32.lt_u (local.get $table) (i32.const 8)))))
  (start $init)

  ;; Continues `crc` over the `n` bytes at `at`; start with crc = 0.
  (func (export "update") (param $crc i32) (param $at i32) (param $n i32) (result i32)
    (local $c i32) (local $end i32) (local $lo i32) (local $hi i32)
    (local.set $c (i32.xor (local.get $crc) (i32.const -1)))
    (local.set $end (i32.add (local.get $at) (local.get $n)))
    ;; Eight bytes a step: the first four folded into the CRC, little-endian
    ;; as the reflected CRC consumes them, each byte looked up in the table
    ;; for its distance from the step's end.
    (block $eights_done
      (loop $eights
        (br_if $eights_done (i32.gt_u (i32.add (local.get $at) (i32.const 8)) (local.get $end)))
        (local.set $lo (i32.xor (local.get $c) (i32.load (local.get $at))))
        (local.set $hi (i32.load offset=4 (local.get $at)))
        (local.set $c
          (i32.xor
            (i32.xor
              (i32.xor
                (i32.load offset=7168 (i32.shl (i32.and (local.get $lo) (i32.const 0xff)) (i32.const 2)))
                (i32.load offset=6144 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 8)) (i32.const 0xff)) (i32.const 2))))
              (i32.xor
                (i32.load offset=5120 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 16)) (i32.const 0xff)) (i32.const 2)))
                (i32.load offset=4096 (i32.shl (i32.shr_u (local.get $lo) (i32.const 24)) (i32.const 2)))))
            (i32.xor
              (i32.xor
                (i32.load offset=3072 (i32.shl (i32.and (local.get $hi) (i32.const 0xff)) (i32.const 2)))
                (i32.load offset=2048 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 8)) (i32.const 0xff)) (i32.const 2))))
              (i32.xor
                (i32.load offset=1024 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 16)) (i32.const 0xff)) (i32.const 2)))
                (i32.load (i32.shl (i32.shr_u (local.get $hi) (i32.const 24)) (i32.const 2)))))))
        (local.set $at (i32.add (local.get $at) (i32.const 8)))
        (br $eights)))
    (block $bytes_done
      (loop $bytes
        (br_if $bytes_done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $c
          (i32.xor
            (i32.load (i32.shl (i32.and (i32.xor (local.get $c) (i32.load8_u (local.get $at))) (i32.const 0xff)) (i32.const 2)))
            (i32.shr_u (local.get $c) (i32.const 8))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $bytes)))
    (i32.xor (local.get $c) (i32.const -1))))
