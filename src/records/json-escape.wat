;; The body of a JSON string, from the UTF-8 bytes of a well-formed text: escaped as
;; JSON.stringify escapes (`\"`, `\\`, `\b \t \n \f \r`, other bytes below 0x20 as `\u00xx`),
;; every other byte copied. Used for RawXML, most of a record's JSON: 16 bytes at a time
;; where none needs escaping (an XML record has a quote, tab or newline every 10 to 30 bytes).
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
  (func (export "escape") (param $i i32) (param $end i32) (param $o i32) (result i32)
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
)
