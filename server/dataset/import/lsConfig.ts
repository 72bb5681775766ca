// A Label Studio labelling config (the XML of its project's "Labeling Interface"), read for what
// Label Studio's JSON export does not carry: the labels' colours, and the attributes with all
// their options, bounds and required flags, where the export holds only the values someone set.
// A team leaving Label Studio zips the config (Settings → Labeling Interface → Code) beside the
// JSON export. Read here:
// - `<Label value background hint>` of any labels control (PolygonLabels, BrushLabels, …):
//   colours, and the hints as the labels' descriptions;
// - `Choices`, `TextArea`, `Number`, `Rating` with `perRegion="true"`: attributes of the labels
//   named by their own or an enclosing View's `whenLabelValue` (comma-separated), else of every
//   label of the config; without `perRegion`: the image's own. A control's `name` is the
//   attribute's (the results' `from_name`). Choices of `true` / `false` are a checkbox, other
//   choices a choice of their values (`selected` the default), a multiple choice a checkbox per
//   option (named as the option, as Kili's import does), a text area a text, a number a
//   number (min, max, step, defaultValue), a rating a number from 0 to its `maxRating` (5);
//   `required="true"` is kept. What Tandem cannot hold (a name too long or reserved, a choice of
//   more than 100 options, a taxonomy) is left to the values, as without a config.
// No DOCTYPE: the file is data, never markup (entities are not expanded).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AttributeSpecSchema, type AttributeSpec } from '../../../shared/schema/attributes';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { hexColour } from './importLabels';

export interface LsConfig {
  /** Label name → its colour as `#rrggbb` (a CSS name or another form: none, the label gets one of Tandem's). */
  colours: Map<string, string>;
  /** Label name → its `hint` (what counts as it), a Tandem label's description. */
  hints: Map<string, string>;
  /** Owner (a label's name, or '' the image) → its attributes, in the config's order. */
  specs: Map<string, AttributeSpec[]>;
  /** The `Choices` controls with `choice="multiple"`: a checkbox per option (Tandem has no multiple choice). */
  multiple: Set<string>;
}

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', processEntities: false, parseTagValue: false, parseAttributeValue: false, isArray: (_n, _p, _leaf, isAttribute) => !isAttribute });

/** The five XML entities and character references, the only ones a config without a DOCTYPE holds. */
const unescape = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()],
  );
const attr = (n: Node, key: string): string | undefined => (typeof n[`@_${key}`] === 'string' ? unescape(n[`@_${key}`] as string) : undefined);
const num = (n: Node, key: string): number | undefined => {
  const v = attr(n, key);
  return v !== undefined && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
};
const children = (n: Node, tag: string) => (Array.isArray(n[tag]) ? (n[tag] as Node[]) : []);
const isTrue = (v: string | undefined) => v === 'true';


/** The attributes a control defines (none where Tandem cannot hold it): one, or a checkbox per option of a multiple choice. */
function specsOfControl(tag: string, n: Node, name: string): AttributeSpec[] {
  if (tag === 'Choices' && attr(n, 'choice') === 'multiple') {
    return children(n, 'Choice').flatMap((c) => {
      const option = attr(c, 'value') ?? attr(c, 'alias') ?? '';
      const parsed = AttributeSpecSchema.safeParse({ name: option, type: 'checkbox', ...(isTrue(attr(c, 'selected')) && { default: true }) });
      return parsed.success ? [parsed.data] : [];
    });
  }
  const one = specOf(tag, n, name);
  return one ? [one] : [];
}

/** The attribute a control defines, or null where Tandem cannot hold it. */
function specOf(tag: string, n: Node, name: string): AttributeSpec | null {
  const required = isTrue(attr(n, 'required')) ? { required: true } : {};
  let spec: unknown = null;
  if (tag === 'Choices') {
    const options = children(n, 'Choice').map((c) => attr(c, 'value') ?? attr(c, 'alias') ?? '');
    const preset = children(n, 'Choice').find((c) => isTrue(attr(c, 'selected')));
    const dflt = preset ? (attr(preset, 'value') ?? attr(preset, 'alias')) : undefined;
    // Unticked is a checkbox's default anyway (Tandem's export preselects it).
    if (options.length === 2 && options.includes('true') && options.includes('false')) spec = { name, type: 'checkbox', ...(dflt === 'true' && { default: true }), ...required };
    else spec = { name, type: 'select', options, ...(dflt !== undefined && { default: dflt }), ...required };
  } else if (tag === 'TextArea') spec = { name, type: 'text', ...required };
  else if (tag === 'Number') spec = { name, type: 'number', min: num(n, 'min'), max: num(n, 'max'), step: num(n, 'step'), default: num(n, 'defaultValue'), ...required };
  else if (tag === 'Rating') spec = { name, type: 'number', min: 0, max: num(n, 'maxRating') ?? 5, step: 1, ...required };
  const parsed = AttributeSpecSchema.safeParse(spec && JSON.parse(JSON.stringify(spec))); // undefined keys dropped
  return parsed.success ? parsed.data : null;
}

/** Reads a config; refuses what is not one (with a DOCTYPE, not well-formed, no `<View>`). */
export function readLsConfig(xml: string): LsConfig {
  if (/<!DOCTYPE/i.test(xml)) throw new TandemError(ErrorCode.ValidationFailed, 'the Label Studio config declares a DOCTYPE: not read');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new TandemError(ErrorCode.ValidationFailed, `the Label Studio config is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const root = parser.parse(xml) as Node;
  const views = children(root, 'View');
  if (views.length !== 1) throw new TandemError(ErrorCode.ValidationFailed, 'the Label Studio config has no <View> at its root');
  const colours = new Map<string, string>();
  const hints = new Map<string, string>();
  const controls: Array<{ tag: string; node: Node; when?: string }> = [];
  const walk = (node: Node, when: string | undefined) => {
    for (const [tag, value] of Object.entries(node)) {
      if (tag.startsWith('@_') || !Array.isArray(value)) continue;
      for (const child of value as Node[]) {
        if (typeof child !== 'object' || child === null) continue;
        for (const l of /Labels$/.test(tag) ? children(child, 'Label') : []) {
          const value = attr(l, 'value');
          if (!value) continue;
          colours.set(value, hexColour(attr(l, 'background')));
          const hint = attr(l, 'hint')?.trim();
          if (hint) hints.set(value, hint.slice(0, 1000));
        }
        if (['Choices', 'TextArea', 'Number', 'Rating'].includes(tag)) controls.push({ tag, node: child, when: attr(child, 'whenLabelValue') ?? when });
        walk(child, tag === 'View' && attr(child, 'visibleWhen') === 'region-selected' ? (attr(child, 'whenLabelValue') ?? when) : when);
      }
    }
  };
  walk(views[0], undefined);
  const specs = new Map<string, AttributeSpec[]>();
  const multiple = new Set<string>();
  for (const { tag, node, when } of controls) {
    const name = attr(node, 'name');
    if (!name) continue;
    if (tag === 'Choices' && attr(node, 'choice') === 'multiple') multiple.add(name);
    const owners = !isTrue(attr(node, 'perRegion')) ? [''] : when ? when.split(',').map((s) => s.trim()).filter(Boolean) : [...colours.keys()];
    for (const spec of specsOfControl(tag, node, name)) {
      for (const owner of owners) {
        const list = specs.get(owner) ?? [];
        if (!list.some((s) => s.name === spec.name)) specs.set(owner, [...list, spec]);
      }
    }
  }
  return { colours, hints, specs, multiple };
}
