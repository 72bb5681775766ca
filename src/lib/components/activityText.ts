// The project's activity log in words (GET /api/projects/:id/activity; server/http/activity.ts
// says what each action keeps): "Rita flagged 40 images as Blurry". A person's uploads, or task
// deletions, one after another are one line ("Ana uploaded 120 images", "Rita deleted 300 tasks":
// the page sends one request per image). Pure, so it is tested without a browser.
import { flagText } from '../review/format';

export interface ActivityEntry {
  id: number;
  at: number;
  userId: string;
  action: string;
  detail: Record<string, unknown>;
}

/** A line of the log: one entry, or a run of uploads (`count` of them, `names` the first few). */
export interface ActivityLine {
  id: number;
  at: number;
  who: string;
  text: string;
}

const n = (v: unknown, one: string, many = `${one}s`) => `${Number(v ?? 0).toLocaleString('en')} ${Number(v) === 1 ? one : many}`;
const q = (v: unknown) => `“${String(v ?? '')}”`;
const values = (v: unknown) =>
  Object.entries((v ?? {}) as Record<string, unknown>)
    .map(([k, x]) => `${k}: ${x === null ? 'default' : String(x)}`)
    .join(', ');

/** The formats as people name them. */
const FORMATS: Record<string, string> = { coco: 'COCO', 'coco-polygons': 'COCO polygons', voc: 'VOC', yolo: 'YOLO', masks: 'PNG masks', cvat: 'CVAT', labelstudio: 'Label Studio', 'labelstudio-brush': 'Label Studio brush', 'labelstudio-config': 'Label Studio config' };

type Say = (d: Record<string, unknown>, name: (id: unknown) => string) => string;
const SAY: Record<string, Say> = {
  'project.create': (d) => `created the project${d.copied ? ' from another one' : ''}`,
  'project.rename': (d) => `renamed the project ${q(d.name)}`,
  guide: (d) => (d.characters ? 'edited the annotation guide' : 'cleared the annotation guide'),
  labels: (d) => `set the labels (${n(d.count, 'label')}: ${(d.labels as string[] | undefined)?.join(', ') ?? ''})`,
  'labels.rename': (d) => `renamed ${((d.renames as Array<{ from: string; to: string }>) ?? []).map((r) => `${q(r.from)} to ${q(r.to)}`).join(', ')}`,
  settings: (d) => {
    const parts = [`No overlap ${d.noOverlap ? 'on' : 'off'}`];
    if (d.autoPrelabel !== undefined) parts.push(`pre-labelling of new uploads ${d.autoPrelabel ? 'on' : 'off'}`);
    if (d.imageAttributes !== undefined) parts.push(n(d.imageAttributes, 'image attribute'));
    if (d.checks !== undefined) parts.push('the checks');
    return `changed the settings (${parts.join('; ')})`;
  },
  'members.add': (d) => `added ${d.name ?? 'a member'} as ${d.role}`,
  'members.role': (d, name) => `made ${name(d.userId)} ${d.role}`,
  'members.remove': (d, name) => `removed ${name(d.userId)} from the project`,
  'members.link': (d, name) => `gave ${name(d.userId)} a new sign-in link${d.revoked ? ' (the old ones stop working)' : ''}`,
  assign: (d, name) => `assigned ${n(d.tasks, 'task')}${d.to === undefined ? '' : d.to === null ? ' to nobody' : ` to ${name(d.to)}`}`,
  upload: (d) => `uploaded ${d.name}${d.existing ? ' (already in the project)' : ''}`,
  'upload.urls': (d) => `imported ${n(d.added ?? d.urls, 'image')} from URLs`,
  'task.delete': (d) => `deleted ${d.task ?? 'a task'}${d.objects ? ` with its ${n(d.objects, 'object')}` : ''}`,
  'object.restore': (d) => `restored an object of ${d.task ?? 'a task'} to an earlier version`,
  import: (d) => `imported ${n(d.imported, 'object')} from ${FORMATS[String(d.format)] ?? d.format} into ${n(d.tasks, 'image')}${d.boxesAs === 'segment' && Number(d.boxes) ? ` and gave ${n(d.boxes, 'box', 'boxes')} to the click model` : ''}`,
  flag: (d) => (d.flag ? `flagged ${n(d.tasks, 'image')} as ${flagText[String(d.flag)] ?? d.flag}` : `took the flag off ${n(d.tasks, 'image')}`),
  'image-attributes': (d) => `set ${values(d.values)} on ${n(d.tasks, 'image')}`,
  'object-attributes': (d) => `filled ${values(d.values)} on ${n(d.objects, `${d.label} object`)} of ${n(d.tasks, 'image')}`,
  'remove-specks': (d) => `removed the specks of ${n(d.objects, 'object')} on ${n(d.changed, 'image')}`,
  'references.mark': (d) => `made ${n(d.marked ?? d.tasks, 'task')} reference tasks`,
  'references.again': (d) => `handed ${n(d.handedBack ?? d.tasks, 'reference task')} back to the team`,
  'references.remove': (d) => `took ${n(d.unmarked ?? d.tasks, 'task')} off the reference tasks${d.restore ? ', restoring the answers' : ''}`,
  'prelabel.start': (d) => `started pre-labelling ${d.tasks !== undefined ? n(d.tasks, 'image') : d.scope === 'all' ? 'every image' : 'the images with no object'} with the detector`,
  'prelabel.stop': () => 'stopped the pre-labelling run',
  'prelabel.withdraw': (d) => `removed the untouched ${d.what === 'imports' ? 'imported objects' : 'pre-labels'} ${d.tasks !== undefined ? `of ${n(d.tasks, 'image')}` : 'of every image'}`,
  export: (d) => `exported ${d.shown ? 'the tasks shown' : d.status ? `the ${String(d.status).replace(/,/g, ', ')} tasks` : 'the dataset'} as ${FORMATS[String(d.format)] ?? d.format}${d.images ? ' with the images' : ''}`,
  'webhooks.add': (d) => `added a webhook to ${d.host}`,
  'webhooks.remove': () => 'removed a webhook',
};

/** An entry's words (without who); an action this client does not know yet is named as it is. */
export function activityText(e: ActivityEntry, names: Readonly<Record<string, string>>): string {
  const name = (id: unknown) => (typeof id === 'string' ? (names[id] ?? 'someone no longer known') : 'someone');
  return (SAY[e.action] ?? (() => e.action))(e.detail, name);
}

/** Actions a page sends one request per task for: a run of them by one person is one line. */
const RUNS: Record<string, { name: (d: Record<string, unknown>) => string; text: (n: number, names: string) => string }> = {
  upload: { name: (d) => String(d.name), text: (n, names) => `uploaded ${n} images (${names})` },
  'task.delete': { name: (d) => String(d.task ?? '?'), text: (n, names) => `deleted ${n} tasks (${names})` },
};

/** The log's lines, newest first: a run of one person's uploads or deletions within an hour is one line. */
export function activityLines(entries: readonly ActivityEntry[], names: Readonly<Record<string, string>>): ActivityLine[] {
  const lines: ActivityLine[] = [];
  let run: { line: ActivityLine; action: string; count: number; names: string[]; userId: string; last: number } | null = null;
  for (const e of entries) {
    const who = names[e.userId] ?? 'someone no longer known';
    const kind = RUNS[e.action];
    if (kind && run && run.action === e.action && run.userId === e.userId && run.last - e.at <= 3_600_000) {
      run.count++;
      run.last = e.at;
      if (run.names.length < 3) run.names.push(kind.name(e.detail));
      run.line.text = kind.text(run.count, `${run.names.join(', ')}${run.count > run.names.length ? ', …' : ''}`);
      run.line.at = e.at;
      continue;
    }
    const line = { id: e.id, at: e.at, who, text: activityText(e, names) };
    lines.push(line);
    run = kind ? { line, action: e.action, count: 1, names: [kind.name(e.detail)], userId: e.userId, last: e.at } : null;
  }
  return lines;
}
