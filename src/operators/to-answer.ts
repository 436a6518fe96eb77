import { catchError, endWith, ignoreElements, type OperatorFunction, of } from 'rxjs';
import { type Answer, OK, answerFor } from '../contracts/answer';

/**
 * Turns the outcome of a request into its one answer once it is over: completion means
 * every sink confirmed (`200 OK`); an error becomes the status and body that tell the
 * sender what to do.
 *
 * ```
 * source: ---v|          source: ---#
 * result: ----(o|)       result: ---(e|)     (o = 200 OK; e = answerFor(error))
 * ```
 */
export function toAnswer<T>(): OperatorFunction<T, Answer> {
  return (source) => source.pipe(ignoreElements(), endWith(OK), catchError((e: unknown) => of(answerFor(e))));
}
