// The labels an import's objects name, against the project's: a new one is appended (with the
// attribute definitions, colour and description the file gives it, where it does), or refused with `unknownLabels:
// reject`; a name that cannot be a label (1-100 characters) is a problem. Each name is judged once.
import type { AttributeSpec } from '../../../shared/schema/attributes';
import type { Label, Project } from '../../storage/types';
import { fallbackColor } from '../types';
import { attributeReader } from './importAttributes';
import type { ImportOptions } from './planCocoImport';

/** `#rrggbb` of a file's `#rgb` / `#rrggbb` colour, else '' (a CSS name, none: the label gets one of Tandem's). */
export function hexColour(c: string | undefined): string {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c?.trim() ?? '');
  if (!m) return '';
  return `#${(m[1].length === 3 ? [...m[1]].map((d) => d + d).join('') : m[1]).toLowerCase()}`;
}

/** What a file says of a label beyond its attributes: its colour (`#rrggbb`, '' none) and description. */
export type LabelLooks = (name: string) => { color?: string; description?: string } | undefined;

export function labelCollector(project: Project, opts: ImportOptions, problem: (message: string) => void, specsOf: (name: string) => AttributeSpec[] = () => [], looksOf: LabelLooks = () => undefined) {
  const known = new Set(project.labels.map((l) => l.name));
  const newLabels: Label[] = [];
  return {
    newLabels,
    /** `who` names what carries the label in a problem ("a shape's", "a region's"). */
    add(name: string, who: string): void {
      if (known.has(name)) return;
      known.add(name);
      if (!name.trim() || name.length > 100) return problem(`${who} label ${JSON.stringify(name.slice(0, 120))} is not a label name (1-100 characters)`);
      if (opts.unknownLabels === 'reject') return problem(`"${name}" is not a label of project ${project.name}`);
      const attributes = specsOf(name);
      const { color, description } = looksOf(name) ?? {};
      newLabels.push({ name, color: color || fallbackColor(project.labels.length + newLabels.length), ...(attributes.length ? { attributes } : {}), ...(description ? { description } : {}) });
    },
    /** The objects' attribute values read against their labels' definitions, the new labels' too. */
    reader: () => attributeReader(new Map([...project.labels, ...newLabels].map((l) => [l.name, l.attributes ?? []]))),
  };
}
