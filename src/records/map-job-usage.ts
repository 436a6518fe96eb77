import { durationSeconds } from './duration';
import { type Fields, keyOf, setAttributes, setInstant, setOrdinary, setOrigin, setText } from './map-common';
import type { XmlElement } from './xml-element';

const USER_FIELDS = ['GlobalUsername', 'LocalUserId', 'VOName', 'ReportableVOName', 'CommonName', 'DN'];
const RESOURCE_KINDS = ['Resource', 'ConsumableResource', 'PhaseResource', 'VolumeResource'] as const;
const RESOURCE_ATTRIBUTES: ReadonlySet<string> = new Set(['unit', 'phaseUnit', 'storageUnit']);

/**
 * Maps a JobUsageRecord or UsageRecord, applying the rules in the order of the GRACC mapping,
 * later rules overwriting earlier keys.
 */
export function mapJobUsage(root: XmlElement): Fields {
  const fields: Fields = { type: 'JobUsageRecord' };
  const claimed = groupClaimed(root);
  const all = (name: ClaimedName): XmlElement[] => claimed[name];

  for (const id of all('RecordIdentity')) {
    if (id.attrs['recordId']) fields['RecordId'] = id.attrs['recordId'];
    setInstant(fields, 'CreateTime', id.attrs['createTime']);
  }
  for (const job of all('JobIdentity')) {
    const pids: XmlElement[] = [];
    for (const c of job.children) {
      if (c.name === 'GlobalJobId' || c.name === 'LocalJobId') setText(fields, c.name, c);
      else if (c.name === 'ProcessId') pids.push(c);
    }
    if (pids.length === 1) setText(fields, 'ProcessId', pids[0]);
    else pids.forEach((p, i) => setText(fields, `ProcessId${i}`, p));
  }
  for (const user of all('UserIdentity')) {
    for (const c of user.children) if (USER_FIELDS.includes(c.name)) setText(fields, c.name, c);
  }
  for (const el of all('StartTime')) setInstant(fields, 'StartTime', el.text);
  for (const el of all('EndTime')) setInstant(fields, 'EndTime', el.text);

  let cpu = 0;
  for (const el of all('CpuDuration')) {
    const seconds = durationSeconds(el.text);
    if (seconds > 0) cpu += seconds;
    const usage = el.attrs['usageType'] ?? '';
    if (usage !== '') fields[`CpuDuration_${usage}`] = seconds;
    if (el.attrs['description']) fields[`CpuDuration_${usage}_description`] = el.attrs['description'];
  }
  fields['CpuDuration'] = cpu;

  fields['WallDuration'] = 0;
  for (const el of all('WallDuration')) {
    fields['WallDuration'] = durationSeconds(el.text);
    if (el.attrs['description']) fields['WallDuration_description'] = el.attrs['description'];
  }

  // The consumable, phase and volume resources count only beside at least one Resource.
  // The one described `ResourceType` becomes the ResourceType field rather than a resource
  // (kept aside, not set and deleted: a deletion would slow every later use of the object).
  let resourceType: string | undefined;
  if (all('Resource').length > 0) {
    for (const kind of RESOURCE_KINDS) {
      for (const el of all(kind)) {
        const key = `Resource_${keyOf(el.attrs['description'])}`;
        if (key === 'Resource_ResourceType') resourceType = el.text;
        else fields[key] = el.text;
        setAttributes(fields, key, el, RESOURCE_ATTRIBUTES);
      }
    }
  }
  fields['ResourceType'] =
    resourceType === undefined || resourceType === '' || resourceType === 'Batch' ? 'Batch'
      : resourceType === 'BatchPilot' ? 'Payload'
        : resourceType;

  for (const el of all('TimeDuration')) {
    const key = `TimeDuration_${keyOf(el.attrs['type'])}`;
    fields[key] = durationSeconds(el.text);
    if (el.attrs['description']) fields[`${key}_description`] = el.attrs['description'];
  }
  for (const el of all('TimeInstant')) {
    const key = `TimeInstant_${keyOf(el.attrs['type'])}`;
    setInstant(fields, key, el.text);
    if (el.attrs['description']) fields[`${key}_description`] = el.attrs['description'];
  }

  for (const el of claimed.ordinary) setOrdinary(fields, el);
  for (const el of all('Origin')) setOrigin(fields, el);
  return fields;
}

/** The children with a rule of their own, by name, in document order; `ordinary`: all the others. */
function groupClaimed(root: XmlElement) {
  const groups = {
    RecordIdentity: [] as XmlElement[], JobIdentity: [] as XmlElement[], UserIdentity: [] as XmlElement[],
    StartTime: [] as XmlElement[], EndTime: [] as XmlElement[], CpuDuration: [] as XmlElement[], WallDuration: [] as XmlElement[],
    Resource: [] as XmlElement[], ConsumableResource: [] as XmlElement[], PhaseResource: [] as XmlElement[], VolumeResource: [] as XmlElement[],
    TimeDuration: [] as XmlElement[], TimeInstant: [] as XmlElement[], Origin: [] as XmlElement[],
    ordinary: [] as XmlElement[],
  };
  for (const c of root.children) {
    const group = c.name === 'ordinary' || !Object.hasOwn(groups, c.name) ? groups.ordinary : groups[c.name as ClaimedName];
    group.push(c);
  }
  return groups;
}

type ClaimedName = Exclude<keyof ReturnType<typeof groupClaimed>, 'ordinary'>;
