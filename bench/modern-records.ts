// JobUsageRecords shaped like those a current HTCondor-CE probe sends (condor_meter through
// the Gratia probe library), for benchmarks: about 2.5 kB and 45–46 elements each, namespaced
// `urwg:` attributes on most elements, the probe library's root namespaces and tab/newline
// layout, five TimeDurations, a TimeInstant, six Resources (the probe's AdditionalInfo
// entries and the ResourceType), Network, Memory, Processors, GPUs
// (on some), NodeCount.
// Every record has its own id and values. Deterministic: the same seed gives the same records.
//
// Facts taken from the Gratia schema and the probe's public source (read, not copied): the
// element names and their attribute names and order, the duration (`PT1H2M3.0S`) and instant
// (`2024-05-06T07:08:09Z`) formats, the `host:pid.N` record ids, `condor.SCHEDD#CLUSTER.PROC#QDATE`
// global job ids, ResourceType `Batch` (or `BatchPilot` for a glidein payload). Values are
// made up: hosts under example domains, invented users and groups.

/** A small deterministic generator (a 32-bit xorshift-multiply mix), uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A seed from a text (FNV-1a), so that a bench tag picks its own records. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const ROOT_OPEN =
  '<JobUsageRecord xmlns="http://www.gridforum.org/2003/ur-wg" xmlns:urwg="http://www.gridforum.org/2003/ur-wg" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
  'xsi:schemaLocation="http://www.gridforum.org/2003/ur-wg file:///u:/OSG/urwg-schema.11.xsd">';

interface Site {
  readonly name: string;
  readonly ce: string;
}

const SITES: readonly Site[] = [
  { name: 'MWT2_CE_UC', ce: 'ce1.mwt2.example' },
  { name: 'Nebraska-Omaha', ce: 'ce2.unl.example' },
  { name: 'UCSD-CMS-T2', ce: 'osg3.t2.example' },
  { name: 'BNL-ATLAS-CE04', ce: 'gk04.racf.example' },
  { name: 'Purdue-Bell', ce: 'bell.rcac.example' },
  { name: 'SU-ITS-CE2', ce: 'ce2.its.example' },
];

interface Vo {
  readonly owner: string;
  /** X.509 subject; none for a token-authenticated job (its VOName is the token issuer). */
  readonly dn?: string;
  readonly fqan: string;
  readonly vo: string;
  readonly group: string;
  readonly project: string;
}

const VOS: readonly Vo[] = [
  { owner: 'usatlas1', dn: '/DC=ch/DC=cern/OU=Users/CN=atlpilo1/CN=614260/CN=Robot: ATLAS Pilot', fqan: '/atlas/usatlas/Role=production/Capability=NULL', vo: 'atlas', group: 'group_atlas.prod.score', project: 'ATLAS-Production' },
  { owner: 'cmsuser', dn: '/DC=ch/DC=cern/OU=Users/CN=cmspilot/CN=427541/CN=Robot: CMS Pilot', fqan: '/cms/Role=pilot/Capability=NULL', vo: 'cms', group: 'group_cms.pilot', project: 'CMS-Pilot' },
  { owner: 'osg01', dn: '/DC=org/DC=incommon/C=US/O=University of Example/CN=glidein.example', fqan: '/osg/Role=NULL/Capability=NULL', vo: 'osg', group: 'group_opportunistic.osg', project: 'OSG-Staff' },
  { owner: 'fnalgrid', fqan: 'https://cilogon.example/fermilab', vo: 'dune', group: 'group_fermilab.dune', project: 'DUNE-Analysis' },
  { owner: 'ligo', fqan: 'https://cilogon.example/ligo', vo: 'ligo', group: 'group_ligo.prod', project: 'LIGO-Production' },
];

/** An ISO-8601 duration as the probe library writes seconds: `PT1H2M3.0S`, `PT0S`. */
export function probeDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s === 0) return 'PT0S';
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return `PT${h > 0 ? `${h}H` : ''}${m > 0 ? `${m}M` : ''}${r > 0 ? `${r}.0S` : ''}`;
}

/** UTC instant in seconds since the epoch, as `2024-05-06T07:08:09Z`. */
const instant = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface ModernOptions {
  /** Same seed, same records (default 1). */
  readonly seed?: number;
  /** The first record's sequence number in its probe's `host:pid.N` ids (default 0). */
  readonly first?: number;
}

/**
 * `count` records of one probe run (one CE, one pid: ids `ce:pid.first…`), as an
 * HTCondor-CE's condor_meter would send them; each with its own job, user, times and usage.
 */
export function modernRecords(count: number, options: ModernOptions = {}): string[] {
  const rnd = seededRandom(options.seed ?? 1);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const site = pick(SITES);
  const pid = int(1000, 4_000_000);
  const createTime = 1_735_000_000 + int(0, 30_000_000);
  let cluster = int(100_000, 9_000_000);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const seq = (options.first ?? 0) + i;
    if (rnd() < 0.7) cluster += int(1, 40);
    const proc = rnd() < 0.6 ? 0 : int(1, 200);
    const vo = pick(VOS);
    const qdate = createTime - int(600, 7 * 86_400);
    const start = qdate + int(30, 86_400);
    const wall = int(60, 48 * 3600);
    const end = start + wall;
    const cores = pick([1, 1, 1, 4, 8, 8, 16]);
    const userCpu = Math.floor(wall * cores * (0.3 + 0.69 * rnd()));
    const sysCpu = Math.floor(userCpu * 0.02 * rnd());
    const gpus = rnd() < 0.1 ? int(1, 4) : 0;
    const pilot = rnd() < 0.15;
    const exitCode = rnd() < 0.9 ? 0 : int(1, 255);
    const node = `${pick(['c', 'wn', 'node', 'hcc'])}${int(100, 999)}-${int(1, 64)}.${site.ce.split('.').slice(1).join('.')}`;
    const user = `${vo.owner}${rnd() < 0.5 ? '' : int(1, 9)}`;
    const jobKey = `${site.ce}#${cluster}.${proc}#${qdate}`;
    const memKb = int(200_000, cores * 2_000_000);
    const network = int(0, 25_000);
    const wallText = probeDuration(wall);
    const lines: string[] = [
      ROOT_OPEN,
      `<RecordIdentity urwg:recordId="${site.ce}:${pid}.${seq}" urwg:createTime="${instant(createTime + Math.floor(i / 10))}"/>`,
      '<JobIdentity>',
      `\t<GlobalJobId>condor.${jobKey}</GlobalJobId>`,
      `\t<LocalJobId>${proc > 0 ? `${cluster}.${proc}` : cluster}</LocalJobId>`,
      '</JobIdentity>',
      '<UserIdentity>',
      `\t<LocalUserId>${user}</LocalUserId>`,
      `\t<GlobalUsername>${user}@${site.ce}</GlobalUsername>`,
      ...(vo.dn === undefined ? [] : [`\t<DN>${vo.dn}</DN>`]),
      `\t<VOName>${vo.fqan}</VOName>`,
      `\t<ReportableVOName>${vo.vo}</ReportableVOName>`,
      '</UserIdentity>',
      `\t<JobName>${jobKey}</JobName>`,
      `\t<MachineName>${site.ce}</MachineName>`,
      `\t<SubmitHost>${site.ce}</SubmitHost>`,
      `\t<Status urwg:description="Condor Exit Status">${exitCode === 0 ? 0 : 1}</Status>`,
      `\t<WallDuration urwg:description="Was entered in seconds">${wallText}</WallDuration>`,
      `\t<TimeDuration urwg:type="RemoteUserCpu">${probeDuration(userCpu)}</TimeDuration>`,
      `\t<TimeDuration urwg:type="LocalUserCpu">PT0S</TimeDuration>`,
      `\t<TimeDuration urwg:type="RemoteSysCpu">${probeDuration(sysCpu)}</TimeDuration>`,
      `\t<TimeDuration urwg:type="LocalSysCpu">PT0S</TimeDuration>`,
      `\t<TimeDuration urwg:type="CommittedTime">${wallText}</TimeDuration>`,
      `\t<CpuDuration urwg:usageType="system" urwg:description="Was entered in seconds">${probeDuration(sysCpu)}</CpuDuration>`,
      `\t<CpuDuration urwg:usageType="user" urwg:description="Was entered in seconds">${probeDuration(userCpu)}</CpuDuration>`,
      `\t<EndTime urwg:description="Was entered in seconds">${instant(end)}</EndTime>`,
      `\t<StartTime urwg:description="Was entered in seconds">${instant(start)}</StartTime>`,
      `\t<TimeInstant urwg:type="QueueTime">${instant(qdate)}</TimeInstant>`,
      pilot
        ? `\t<Host primary="true" urwg:description="${site.name}">${node}</Host>`
        : `\t<Host primary="true">${node}</Host>`,
      `\t<Queue urwg:description="Condor's JobUniverse field">5</Queue>`,
      `\t<NodeCount urwg:metric="max">1</NodeCount>`,
      `\t<Processors urwg:metric="max">${cores}</Processors>`,
      ...(gpus > 0 ? [`\t<GPUs urwg:metric="max">${gpus}</GPUs>`] : []),
      `\t<Memory urwg:storageUnit="KB" urwg:metric="max">${memKb}</Memory>`,
      `\t<Resource urwg:description="CondorMyType">Job</Resource>`,
      `\t<Resource urwg:description="AccountingGroup">${vo.group}.${user}</Resource>`,
      `\t<Resource urwg:description="ExitBySignal">false</Resource>`,
      `\t<Resource urwg:description="ExitCode">${exitCode}</Resource>`,
      `\t<Resource urwg:description="condor.JobStatus">4</Resource>`,
      `\t<ProjectName urwg:description="As specified in Condor submit file">${vo.project}</ProjectName>`,
      `\t<Network urwg:storageUnit="b" urwg:phaseUnit="${wallText}" urwg:metric="total">${network}</Network>`,
      `\t<ProbeName>htcondor-ce:${site.ce}</ProbeName>`,
      `\t<SiteName>${site.name}</SiteName>`,
      `\t<Grid>OSG</Grid>`,
      `\t<Njobs>1</Njobs>`,
      `\t<Resource urwg:description="ResourceType">${pilot ? 'BatchPilot' : 'Batch'}</Resource>`,
      `\t<GratiaVersion>2.8.4</GratiaVersion>`,
      '</JobUsageRecord>',
    ];
    out.push(lines.join('\n'));
  }
  return out;
}
