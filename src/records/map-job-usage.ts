import { durationSeconds } from './duration';
import { newFields } from './fields-object';
import { LabelCache } from './label-cache';
import {
  carriedSet, DESCRIPTION, elementKeys, type Fields, keyOf, type KeyWithAttributes, keyWithAttributes, setAttributes, setInstant, setOrdinary, setOrigin, setText,
} from './map-common';
import type { XmlElement } from './xml-element';

const USER_FIELDS: ReadonlySet<string> = new Set(['GlobalUsername', 'LocalUserId', 'VOName', 'ReportableVOName', 'CommonName', 'DN']);
/** A UserIdentity child's key, or null for a child no rule maps. */
const userFieldKeys = new LabelCache((name) => (USER_FIELDS.has(name) ? elementKeys.get(name).key : null));
const RESOURCE_ATTRIBUTES = carriedSet('unit', 'phaseUnit', 'storageUnit');

// The keys made of a label, by the label (see label-cache.ts).
const cpuDurationKeys = new LabelCache((usage) => keyWithAttributes(`CpuDuration_${usage}`));
const resourceKeys = new LabelCache((description) => keyWithAttributes(`Resource_${keyOf(description)}`));
const timeDurationKeys = new LabelCache((type) => keyWithAttributes(`TimeDuration_${keyOf(type)}`));
const timeInstantKeys = new LabelCache((type) => keyWithAttributes(`TimeInstant_${keyOf(type)}`));

/**
 * The record's children with a rule of their own, by name, and the others (`ordinary`, with
 * their keys), each in document order. One set of lists serves every record, emptied once it
 * is mapped (mapping is synchronous): a record costs no lists of its own.
 */
const claimed = {
  RecordIdentity: [] as XmlElement[], JobIdentity: [] as XmlElement[], UserIdentity: [] as XmlElement[],
  StartTime: [] as XmlElement[], EndTime: [] as XmlElement[], CpuDuration: [] as XmlElement[], WallDuration: [] as XmlElement[],
  Resource: [] as XmlElement[], ConsumableResource: [] as XmlElement[], PhaseResource: [] as XmlElement[], VolumeResource: [] as XmlElement[],
  TimeDuration: [] as XmlElement[], TimeInstant: [] as XmlElement[], Origin: [] as XmlElement[],
};
const ordinary: XmlElement[] = [];
const ordinaryKeys: KeyWithAttributes[] = [];
const claimedLists: XmlElement[][] = Object.values(claimed);
const RESOURCE_LISTS = [claimed.Resource, claimed.ConsumableResource, claimed.PhaseResource, claimed.VolumeResource];

/** A child's list in `claimed` by its name, or else its keys as an ordinary element. */
const childRules = new LabelCache<XmlElement[] | KeyWithAttributes>((name) =>
  Object.hasOwn(claimed, name) ? claimed[name as keyof typeof claimed] : elementKeys.get(name));

function group(root: XmlElement): void {
  let at = childRules.start;
  for (const c of root.children) {
    const { value: rule } = (at = childRules.after(at, c.name));
    if (Array.isArray(rule)) rule.push(c);
    else {
      ordinary.push(c);
      ordinaryKeys.push(rule);
    }
  }
}

/** Empties the lists (by pop: setting `length` is a call into the engine's runtime, 5 % of the mapping). */
function ungroup(): void {
  for (const list of claimedLists) while (list.length > 0) list.pop();
  while (ordinary.length > 0) ordinary.pop();
  while (ordinaryKeys.length > 0) ordinaryKeys.pop();
}

/**
 * Maps a JobUsageRecord or UsageRecord, applying the rules in the order of the GRACC mapping,
 * later rules overwriting earlier keys.
 */
export function mapJobUsage(root: XmlElement): Fields {
  group(root);
  try {
    return mapGrouped();
  } finally {
    ungroup();
  }
}

function mapGrouped(): Fields {
  const fields = newFields('JobUsageRecord');
  for (const id of claimed.RecordIdentity) {
    if (id.attrs['recordId']) fields['RecordId'] = id.attrs['recordId'];
    setInstant(fields, 'CreateTime', id.attrs['createTime']);
  }
  for (const job of claimed.JobIdentity) {
    let processIds = 0;
    for (const c of job.children) {
      if (c.name === 'GlobalJobId') setText(fields, 'GlobalJobId', c);
      else if (c.name === 'LocalJobId') setText(fields, 'LocalJobId', c);
      else if (c.name === 'ProcessId') processIds++;
    }
    let i = 0;
    if (processIds > 0) for (const c of job.children) if (c.name === 'ProcessId') setText(fields, processIds === 1 ? 'ProcessId' : `ProcessId${i++}`, c);
  }
  for (const user of claimed.UserIdentity) {
    let at = userFieldKeys.start;
    for (const c of user.children) {
      const { value: key } = (at = userFieldKeys.after(at, c.name));
      if (key !== null) setText(fields, key, c);
    }
  }
  for (const el of claimed.StartTime) setInstant(fields, 'StartTime', el.text);
  for (const el of claimed.EndTime) setInstant(fields, 'EndTime', el.text);

  let cpu = 0;
  let cpuAt = cpuDurationKeys.start;
  for (const el of claimed.CpuDuration) {
    const seconds = durationSeconds(el.text);
    if (seconds > 0) cpu += seconds;
    const usage = el.attrs['usageType'] ?? '';
    const { value: keys } = (cpuAt = cpuDurationKeys.after(cpuAt, usage));
    if (usage !== '') fields[keys.key] = seconds;
    if (el.attrs['description']) fields[keys.attributes[DESCRIPTION]!] = el.attrs['description'];
  }
  fields['CpuDuration'] = cpu;

  fields['WallDuration'] = 0;
  for (const el of claimed.WallDuration) {
    fields['WallDuration'] = durationSeconds(el.text);
    if (el.attrs['description']) fields['WallDuration_description'] = el.attrs['description'];
  }

  // The consumable, phase and volume resources count only beside at least one Resource.
  // The one described `ResourceType` becomes the ResourceType field rather than a resource
  // (kept aside, not set and deleted: a deletion would slow every later use of the object).
  let resourceType: string | undefined;
  if (claimed.Resource.length > 0) {
    let at = resourceKeys.start;
    for (const list of RESOURCE_LISTS) {
      for (const el of list) {
        const { value: keys } = (at = resourceKeys.after(at, el.attrs['description'] ?? ''));
        if (keys.key === 'Resource_ResourceType') resourceType = el.text;
        else fields[keys.key] = el.text;
        setAttributes(fields, keys, el, RESOURCE_ATTRIBUTES);
      }
    }
  }
  fields['ResourceType'] =
    resourceType === undefined || resourceType === '' || resourceType === 'Batch' ? 'Batch'
      : resourceType === 'BatchPilot' ? 'Payload'
        : resourceType;

  let timeAt = timeDurationKeys.start;
  for (const el of claimed.TimeDuration) {
    const { value: keys } = (timeAt = timeDurationKeys.after(timeAt, el.attrs['type'] ?? ''));
    fields[keys.key] = durationSeconds(el.text);
    if (el.attrs['description']) fields[keys.attributes[DESCRIPTION]!] = el.attrs['description'];
  }
  let instantAt = timeInstantKeys.start;
  for (const el of claimed.TimeInstant) {
    const { value: keys } = (instantAt = timeInstantKeys.after(instantAt, el.attrs['type'] ?? ''));
    setInstant(fields, keys.key, el.text);
    if (el.attrs['description']) fields[keys.attributes[DESCRIPTION]!] = el.attrs['description'];
  }

  for (let i = 0; i < ordinary.length; i++) setOrdinary(fields, ordinary[i]!, ordinaryKeys[i]);
  for (const el of claimed.Origin) setOrigin(fields, el);
  return fields;
}
