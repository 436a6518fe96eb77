// A sink's destination (a routing key, a topic, a key) written as a template over the
// record's fields: compiled once when the sink is made; rendered per record only when it
// has a placeholder.
import { detached } from '../../records/detached';
import { compileTemplate } from '../../records/field-template';
import type { GraccRecord } from '../../records/gracc-record';
import { RecordError } from '../../records/record-error';

export interface AddressTemplate {
  /** The text of every record when the template has no placeholder (`{{`/`}}` undone); undefined when it has one. */
  readonly constant: string | undefined;
  /** The record's text; throws a RecordError naming the record when `problem` refuses it. */
  render(record: GraccRecord): string;
}

/**
 * Compiles `source` (the `key` of the sink's table, as `what` names it: `amqp.routingKey`);
 * `problem` says what is wrong with a text, or undefined when it is usable. A constant text
 * that is not usable throws here, at start-up.
 */
export function addressTemplate(what: string, source: string, problem: (text: string) => string | undefined): AddressTemplate {
  const template = compileTemplate(source);
  if (template.constant) {
    const text = template.render({});
    const bad = problem(text);
    if (bad !== undefined) throw new Error(`${what}: ${bad}`);
    return { constant: text, render: () => text };
  }
  return {
    constant: undefined,
    render(record) {
      // The text is made of the record's fields, slices of the whole bundle's text.
      const text = detached(template.render(record.fields));
      const bad = problem(text);
      if (bad !== undefined) throw RecordError.at(record.index, record.id, `${what} ${JSON.stringify(source)} gives ${bad}`);
      return text;
    },
  };
}
