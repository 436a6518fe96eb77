import { concatWith, defer, mergeMap, type OperatorFunction } from 'rxjs';
import { type BodyChunk, GatheredChunks } from '../records/gathered-chunks';
import { type FormPiece, UrlencodedFormDecoder } from '../records/urlencoded-form';

export type { FormPiece } from '../records/urlencoded-form';

/**
 * Decodes an `application/x-www-form-urlencoded` body into pieces of its fields' values,
 * as the chunks arrive (chunks gathered, see gatherSmall: each value whole); each field starts
 * with an empty piece that marks it present.
 * A field given again is left out: the first value wins, as the earlier (Go and Java)
 * collectors read forms.
 *
 * ```
 * source: -a-----b------|      (a = "command=up", b = "date&arg1=%3CR%2F%3E")
 * result: -(cu)--(dAx)--|      (c: command ""; u: command "up"; d: command "date"; A: arg1 ""; x: arg1 "<R/>")
 * ```
 */
export function urlencodedForm(): OperatorFunction<BodyChunk, FormPiece> {
  return (source) =>
    defer(() => {
      let decoded: FormPiece[] = [];
      const seen = new Set<string>();
      let repeated = false;
      const decoder = new UrlencodedFormDecoder((piece) => {
        // Only a field's first piece is empty (see UrlencodedFormDecoder).
        if (piece.bytes.length === 0) {
          repeated = seen.has(piece.name);
          seen.add(piece.name);
        }
        if (!repeated) decoded.push(piece);
      });
      const taken = (): FormPiece[] => {
        const pieces = decoded;
        decoded = [];
        return pieces;
      };
      return source.pipe(
        mergeMap((chunk) => {
          if (chunk instanceof GatheredChunks) decoder.writeGathered(chunk);
          else decoder.write(chunk);
          return taken();
        }),
        concatWith(
          defer(() => {
            decoder.end();
            return taken();
          }),
        ),
      );
    });
}
