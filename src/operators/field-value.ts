import { type MonoTypeOperatorFunction, pipe, skipWhile, takeWhile } from 'rxjs';
import type { FormPiece } from '../records/urlencoded-form';

/**
 * The pieces of one field's value (`name`), completing as soon as the form goes on to
 * another field: urlencodedForm passes on only a field's first value, so nothing of it
 * comes after. Before `name`'s first piece, other fields' pieces are passed over.
 *
 * Why: a probe writes `arg1` (the payload) before `from`, `bundlesize` and the others, so
 * the payload's reader ends in the turn that read its last byte, not at the body's end
 * (takeTurns gives a body's completion a turn of its own, behind the other requests'): a
 * bundle's decoded text, one string of some 400 kB, then dies before a scavenge would find
 * it alive and move it to the old generation, where it waits for a full collection.
 *
 * ```
 * name: a   (pieces named by their field: a1 a2 = two pieces of a)
 * source: -c-a1-a2-b-|        source: -a1-a2-|
 * result: ---a1-a2-|          result: -a1-a2-|
 * ```
 */
export function fieldValue(name: string): MonoTypeOperatorFunction<FormPiece> {
  return pipe(
    skipWhile((piece) => piece.name !== name),
    takeWhile((piece) => piece.name === name),
  );
}
