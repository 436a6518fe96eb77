;; The body of a JSON string, from the UTF-8 bytes of a well-formed text: escaped as
;; JSON.stringify escapes (`\"`, `\\`, `\b \t \n \f \r`, other bytes below 0x20 as `\u00xx`),
;; every other byte copied. Used for RawXML, most of a record's JSON: 16 bytes at a time
;; where none needs escaping (an XML record has a quote, tab or newline every 10 to 30 bytes).
;; `object` writes a whole JSON object from its pieces, each value escaped so.
;; Compiled to json-escape.wasm by scripts/build-wasm.js; used by json-bytes.ts.
(module
  (memory (export "memory") 1)

  ;; What each byte becomes, by byte at address 0: 0 copied (memory starts zeroed),
  ;; 1 `\u00xx`, else `\` and that letter.
  (data (i32.const 0)
    "\01\01\01\01\01\01\01\01\62\74\6e\01\66\72\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01")
  (data (i32.const 34) "\22") ;; " -> \"
  (data (i32.const 92) "\5c") ;; \ -> \\
  ;; Hex digits, at address 256.
  (data (i32.const 256) "0123456789abcdef")

  ;; Escapes the bytes [$i, $end) to $o on; returns where the output ends. The output may be
  ;; written up to 16 bytes past its end (a whole block is stored before it is known to be clean).
  (func $escape (param $i i32) (param $end i32) (param $o i32) (result i32)
    (local $c i32) (local $e i32) (local $v v128) (local $special i32)
    (block $done
      (loop $next
        (if (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $end))
          (then
            ;; a block: stored as it is, then kept up to its first byte that needs escaping
            (local.set $v (v128.load (local.get $i)))
            (v128.store (local.get $o) (local.get $v))
            (local.set $special (i8x16.bitmask
              (v128.or
                (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 0x20)))
                (v128.or
                  (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22)))
                  (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c)))))))
            (if (i32.eqz (local.get $special))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $next)))
            (local.set $special (i32.ctz (local.get $special)))
            (local.set $i (i32.add (local.get $i) (local.get $special)))
            (local.set $o (i32.add (local.get $o) (local.get $special))))
          (else (br_if $done (i32.ge_u (local.get $i) (local.get $end)))))
        ;; one byte: the one that needs escaping, or one of the last fewer than 16
        (local.set $c (i32.load8_u (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $e (i32.load8_u (local.get $c)))
        (if (i32.eqz (local.get $e))
          (then
            (i32.store8 (local.get $o) (local.get $c))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br $next)))
        (i32.store8 (local.get $o) (i32.const 0x5c))
        (if (i32.ne (local.get $e) (i32.const 1))
          (then
            (i32.store8 offset=1 (local.get $o) (local.get $e))
            (local.set $o (i32.add (local.get $o) (i32.const 2)))
            (br $next)))
        (i32.store offset=1 (local.get $o) (i32.const 0x30303075)) ;; u00
        (i32.store8 offset=4 (local.get $o) (i32.load8_u offset=256 (i32.shr_u (local.get $c) (i32.const 4))))
        (i32.store8 offset=5 (local.get $o) (i32.load8_u offset=256 (i32.and (local.get $c) (i32.const 15))))
        (local.set $o (i32.add (local.get $o) (i32.const 6)))
        (br $next)))
    (local.get $o))

  ;; A JSON object from $count fields listed at $spec, four i32 each: the offset and length of
  ;; its `"key":` bytes, then the offset and length of its value's bytes: a string's UTF-8
  ;; text (well-formed) to escape between quotes, or, with the length as ~length, bytes
  ;; copied as they are (a number). Written at $o; returns where the object ends.
  (func (export "object") (param $spec i32) (param $count i32) (param $o i32) (result i32)
    (local $end i32) (local $n i32) (local $src i32)
    (i32.store8 (local.get $o) (i32.const 0x7b)) ;; {
    (local.set $o (i32.add (local.get $o) (i32.const 1)))
    (local.set $end (i32.add (local.get $spec) (i32.shl (local.get $count) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $spec) (local.get $end)))
        (local.set $n (i32.load offset=4 (local.get $spec)))
        (memory.copy (local.get $o) (i32.load (local.get $spec)) (local.get $n))
        (local.set $o (i32.add (local.get $o) (local.get $n)))
        (local.set $src (i32.load offset=8 (local.get $spec)))
        (local.set $n (i32.load offset=12 (local.get $spec)))
        (if (i32.lt_s (local.get $n) (i32.const 0))
          (then
            (local.set $n (i32.xor (local.get $n) (i32.const -1)))
            (memory.copy (local.get $o) (local.get $src) (local.get $n))
            (local.set $o (i32.add (local.get $o) (local.get $n))))
          (else
            (i32.store8 (local.get $o) (i32.const 0x22))
            (local.set $o (call $escape (local.get $src) (i32.add (local.get $src) (local.get $n)) (i32.add (local.get $o) (i32.const 1))))
            (i32.store8 (local.get $o) (i32.const 0x22))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))))
        (i32.store8 (local.get $o) (i32.const 0x2c)) ;; ,
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $spec (i32.add (local.get $spec) (i32.const 16)))
        (br $next)))
    ;; The last comma becomes the closing brace; with no field, the brace follows `{`.
    (if (i32.eqz (local.get $count)) (then (local.set $o (i32.add (local.get $o) (i32.const 1)))))
    (i32.store8 (i32.sub (local.get $o) (i32.const 1)) (i32.const 0x7d)) ;; }
    (local.get $o))
)
