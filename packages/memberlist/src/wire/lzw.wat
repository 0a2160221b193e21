;; Go's compress/lzw, LSB bit order, 8-bit literals (see lzw.ts), as WebAssembly.
;;
;; Why not JavaScript: every packet and push/pull passes through here, and a
;; freshly started member runs JavaScript interpreted until V8 has seen the
;; loops often enough to optimise them, then pays for the optimising compile.
;; With fifty members starting at once on two cores, that warm-up was a large
;; part of the CPU a join burst costs. WebAssembly runs compiled from the
;; first byte. Assembled by scripts/build-wasm.mjs into lzw-wasm.ts.
;;
;; Memory layout (byte offsets):
;;   0       compressor dictionary: 16384 × u32, (prefix << 8 | byte) << 12 | code
;;   65536   generation stamp of each dictionary slot: 16384 × u32
;;   131072  decompressor entry start offsets: 4096 × i32
;;   147456  decompressor entry lengths: 4096 × i32 (1 for single bytes)
;;   163840  input, then output (the caller grows memory to fit)
(module
  (memory (export "memory") 4)
  (global $generation (mut i32) (i32.const 0))
  (global $badCode (export "badCode") (mut i32) (i32.const 0))
  (global $badNext (export "badNext") (mut i32) (i32.const 0))

  (func $init
    (local $i i32)
    (loop $ones
      (i32.store (i32.add (i32.const 147456) (i32.shl (local.get $i) (i32.const 2))) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $ones (i32.lt_u (local.get $i) (i32.const 256)))))
  (start $init)

  ;; A dictionary slot counts only while its stamp is current: a new table is
  ;; a new generation, not 64 KiB of zeroing.
  (func $nextGeneration (result i32)
    (global.set $generation (i32.add (global.get $generation) (i32.const 1)))
    (if (i32.eqz (global.get $generation))
      (then
        (memory.fill (i32.const 65536) (i32.const 0) (i32.const 65536))
        (global.set $generation (i32.const 1))))
    (global.get $generation))

  ;; Compresses n bytes at $in to $out. Returns the output length, or -1 as
  ;; soon as the output reaches $limit bytes.
  (func (export "compress") (param $in i32) (param $n i32) (param $out i32) (param $limit i32) (result i32)
    (local $o i32) (local $bits i32) (local $nBits i32) (local $width i32) (local $hi i32) (local $overflow i32)
    (local $gen i32) (local $code i32) (local $i i32) (local $literal i32) (local $key i32) (local $hash i32)
    (local $found i32) (local $entry i32)
    (local.set $gen (call $nextGeneration))
    (local.set $o (local.get $out))
    (local.set $bits (i32.const 256)) ;; the opening clear code, not yet flushed
    (local.set $nBits (i32.const 9))
    (local.set $width (i32.const 9))
    (local.set $hi (i32.const 257))
    (local.set $overflow (i32.const 512))
    (if (i32.gt_s (local.get $n) (i32.const 0))
      (then
        (local.set $code (i32.load8_u (local.get $in)))
        (local.set $i (i32.const 1))
        ;; Step i reads byte i; the extra step i = n writes the last code.
        (block $done
          (loop $step
            (br_if $done (i32.gt_s (local.get $i) (local.get $n)))
            (local.set $literal
              (if (result i32) (i32.lt_s (local.get $i) (local.get $n))
                (then (i32.load8_u (i32.add (local.get $in) (local.get $i))))
                (else (i32.const 0))))
            (local.set $key (i32.or (i32.shl (local.get $code) (i32.const 8)) (local.get $literal)))
            (local.set $hash (i32.and (i32.xor (i32.shr_u (local.get $key) (i32.const 12)) (local.get $key)) (i32.const 16383)))
            (block $emit
              (br_if $emit (i32.ge_s (local.get $i) (local.get $n)))
              (local.set $found (i32.const -1))
              (block $probed
                (loop $probe
                  (br_if $probed
                    (i32.ne (i32.load (i32.add (i32.const 65536) (i32.shl (local.get $hash) (i32.const 2)))) (local.get $gen)))
                  (local.set $entry (i32.load (i32.shl (local.get $hash) (i32.const 2))))
                  (if (i32.eq (i32.shr_u (local.get $entry) (i32.const 12)) (local.get $key))
                    (then
                      (local.set $found (i32.and (local.get $entry) (i32.const 4095)))
                      (br $probed)))
                  (local.set $hash (i32.and (i32.add (local.get $hash) (i32.const 1)) (i32.const 16383)))
                  (br $probe)))
              (br_if $emit (i32.eq (local.get $found) (i32.const -1)))
              (local.set $code (local.get $found))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $step))
            (local.set $bits (i32.or (local.get $bits) (i32.shl (local.get $code) (local.get $nBits))))
            (local.set $nBits (i32.add (local.get $nBits) (local.get $width)))
            (block $flushed
              (loop $flush
                (br_if $flushed (i32.lt_s (local.get $nBits) (i32.const 8)))
                (i32.store8 (local.get $o) (local.get $bits))
                (local.set $o (i32.add (local.get $o) (i32.const 1)))
                (local.set $bits (i32.shr_u (local.get $bits) (i32.const 8)))
                (local.set $nBits (i32.sub (local.get $nBits) (i32.const 8)))
                (br $flush)))
            (if (i32.ge_s (i32.sub (local.get $o) (local.get $out)) (local.get $limit))
              (then (return (i32.const -1))))
            (local.set $code (local.get $literal))
            (local.set $hi (i32.add (local.get $hi) (i32.const 1)))
            (if (i32.eq (local.get $hi) (local.get $overflow))
              (then
                (local.set $width (i32.add (local.get $width) (i32.const 1)))
                (local.set $overflow (i32.shl (local.get $overflow) (i32.const 1)))))
            (if (i32.eq (local.get $hi) (i32.const 4095))
              (then
                ;; The table is full: a clear code at the current width and a fresh table, as Go does.
                (local.set $bits (i32.or (local.get $bits) (i32.shl (i32.const 256) (local.get $nBits))))
                (local.set $nBits (i32.add (local.get $nBits) (local.get $width)))
                (local.set $width (i32.const 9))
                (local.set $hi (i32.const 257))
                (local.set $overflow (i32.const 512))
                (local.set $gen (call $nextGeneration)))
              (else
                (if (i32.lt_s (local.get $i) (local.get $n))
                  (then
                    (i32.store (i32.shl (local.get $hash) (i32.const 2))
                      (i32.or (i32.shl (local.get $key) (i32.const 12)) (local.get $hi)))
                    (i32.store (i32.add (i32.const 65536) (i32.shl (local.get $hash) (i32.const 2))) (local.get $gen))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $step)))))
    ;; The EOF code, then whatever bits remain.
    (local.set $bits (i32.or (local.get $bits) (i32.shl (i32.const 257) (local.get $nBits))))
    (local.set $nBits (i32.add (local.get $nBits) (local.get $width)))
    (block $flushedLast
      (loop $flushLast
        (br_if $flushedLast (i32.lt_s (local.get $nBits) (i32.const 8)))
        (i32.store8 (local.get $o) (local.get $bits))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $bits (i32.shr_u (local.get $bits) (i32.const 8)))
        (local.set $nBits (i32.sub (local.get $nBits) (i32.const 8)))
        (br $flushLast)))
    (if (i32.gt_s (local.get $nBits) (i32.const 0))
      (then
        (i32.store8 (local.get $o) (local.get $bits))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))))
    (if (i32.ge_s (i32.sub (local.get $o) (local.get $out)) (local.get $limit))
      (then (return (i32.const -1))))
    (i32.sub (local.get $o) (local.get $out)))

  ;; Decompresses n bytes at $in to $out. Returns the output length, or:
  ;;   -1  the input ends before the EOF code
  ;;   -2  an invalid code (badCode, and badNext the next code it could be)
  ;;   -3  the output would exceed $max bytes
  ;;   -4  the output would exceed $cap bytes (the caller grows and retries)
  ;; Every entry is the previous code's string plus one byte, and that string
  ;; already sits contiguously in the output, so entries are (start, length).
  (func (export "decompress") (param $in i32) (param $n i32) (param $out i32) (param $cap i32) (param $max i32) (result i32)
    (local $outLen i32) (local $bits i32) (local $nBits i32) (local $pos i32) (local $width i32) (local $hi i32)
    (local $overflow i32) (local $last i32) (local $lastStart i32) (local $code i32) (local $kwkwk i32) (local $len i32)
    (local $start i32) (local $from i32)
    (local.set $width (i32.const 9))
    (local.set $hi (i32.const 257))
    (local.set $overflow (i32.const 512))
    (local.set $last (i32.const -1))
    (loop $next
      (block $filled
        (loop $fill
          (br_if $filled (i32.ge_s (local.get $nBits) (local.get $width)))
          (if (i32.ge_s (local.get $pos) (local.get $n)) (then (return (i32.const -1))))
          (local.set $bits
            (i32.or (local.get $bits) (i32.shl (i32.load8_u (i32.add (local.get $in) (local.get $pos))) (local.get $nBits))))
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (local.set $nBits (i32.add (local.get $nBits) (i32.const 8)))
          (br $fill)))
      (local.set $code (i32.and (local.get $bits) (i32.sub (i32.shl (i32.const 1) (local.get $width)) (i32.const 1))))
      (local.set $bits (i32.shr_u (local.get $bits) (local.get $width)))
      (local.set $nBits (i32.sub (local.get $nBits) (local.get $width)))
      (if (i32.eq (local.get $code) (i32.const 256))
        (then
          (local.set $width (i32.const 9))
          (local.set $hi (i32.const 257))
          (local.set $overflow (i32.const 512))
          (local.set $last (i32.const -1))
          (br $next)))
      (if (i32.eq (local.get $code) (i32.const 257)) (then (return (local.get $outLen))))
      ;; KwKwK: the code being defined right now is last's string plus its own first byte.
      (local.set $kwkwk (i32.and (i32.eq (local.get $code) (local.get $hi)) (i32.ne (local.get $last) (i32.const -1))))
      (if (i32.gt_u (local.get $code) (local.get $hi))
        (then
          (global.set $badCode (local.get $code))
          (global.set $badNext (local.get $hi))
          (return (i32.const -2))))
      (local.set $len
        (if (result i32) (i32.lt_u (local.get $code) (i32.const 256))
          (then (i32.const 1))
          (else
            (if (result i32) (local.get $kwkwk)
              (then (i32.add (i32.load (i32.add (i32.const 147456) (i32.shl (local.get $last) (i32.const 2)))) (i32.const 1)))
              (else (i32.load (i32.add (i32.const 147456) (i32.shl (local.get $code) (i32.const 2)))))))))
      (if (i32.gt_u (i32.add (local.get $outLen) (local.get $len)) (local.get $cap))
        (then
          (if (i32.gt_u (i32.add (local.get $outLen) (local.get $len)) (local.get $max)) (then (return (i32.const -3))))
          (return (i32.const -4))))
      (local.set $start (local.get $outLen))
      (if (i32.lt_u (local.get $code) (i32.const 256))
        (then (i32.store8 (i32.add (local.get $out) (local.get $start)) (local.get $code)))
        (else
          (if (local.get $kwkwk)
            (then
              (memory.copy (i32.add (local.get $out) (local.get $start)) (i32.add (local.get $out) (local.get $lastStart))
                (i32.sub (local.get $len) (i32.const 1)))
              (i32.store8 (i32.add (local.get $out) (i32.sub (i32.add (local.get $start) (local.get $len)) (i32.const 1)))
                (i32.load8_u (i32.add (local.get $out) (local.get $start)))))
            (else
              (local.set $from (i32.load (i32.add (i32.const 131072) (i32.shl (local.get $code) (i32.const 2)))))
              (memory.copy (i32.add (local.get $out) (local.get $start)) (i32.add (local.get $out) (local.get $from))
                (local.get $len))))))
      (local.set $outLen (i32.add (local.get $outLen) (local.get $len)))
      (if (i32.ne (local.get $last) (i32.const -1))
        (then
          (i32.store (i32.add (i32.const 131072) (i32.shl (local.get $hi) (i32.const 2))) (local.get $lastStart))
          (i32.store (i32.add (i32.const 147456) (i32.shl (local.get $hi) (i32.const 2)))
            (i32.add (i32.load (i32.add (i32.const 147456) (i32.shl (local.get $last) (i32.const 2)))) (i32.const 1)))))
      (local.set $last (local.get $code))
      (local.set $lastStart (local.get $start))
      (local.set $hi (i32.add (local.get $hi) (i32.const 1)))
      (if (i32.ge_u (local.get $hi) (local.get $overflow))
        (then
          (if (i32.eq (local.get $width) (i32.const 12))
            (then
              ;; The table is full until the next clear code: no new entries, as Go does.
              (local.set $last (i32.const -1))
              (local.set $hi (i32.sub (local.get $hi) (i32.const 1))))
            (else
              (local.set $width (i32.add (local.get $width) (i32.const 1)))
              (local.set $overflow (i32.shl (local.get $overflow) (i32.const 1)))))))
      (br $next))
    (unreachable)))
