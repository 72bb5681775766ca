// The Label Studio labelling config (the XML of a Label Studio project's "Labeling Interface")
// that shows what Tandem's Label Studio exports hold, so a team taking its work there pastes it
// instead of writing one by hand for every label and attribute: the image (`image`, `$image`,
// the exports' `data.image`); the labels, with their colours and descriptions (a `hint`, shown on
// hover), as `PolygonLabels` named `label`
// (the polygon export's regions) and `BrushLabels` named `brush` (the brush export's); each
// attribute of the labels as a per-region control named as the attribute (the exports' result
// `from_name`), shown while a region of a label defining it is selected: a checkbox as the
// choices `true` / `false`, a choice as its options, a text as a text area, a number as a number
// with its bounds, `required` where Tandem requires it; and the image's own attributes as controls
// of the whole image. An attribute that two labels define is one control (Label Studio's names
// are unique), shown for both, its choices the options of both. Names are the exports' names,
// so an attribute or image attribute named `image`, `label` or `brush` clashes with them.
import type { AttributeSpec } from '../../../shared/schema/attributes';
import { exportLabels, type ExportInput } from '../types';
import { xmlEscape as esc } from './xmlEscape';

/** `name="value"` pairs of the attributes that are set. */
function attrs(pairs: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(pairs)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => ` ${k}="${esc(v as string | number)}"`)
    .join('');
}

/** The control of one attribute (`perRegion` for a label's). */
function control(spec: AttributeSpec, options: string[], perRegion: boolean): string {
  const common = { name: spec.name, toName: 'image', perRegion: perRegion ? 'true' : undefined, required: spec.required ? 'true' : undefined };
  if (spec.type === 'text') return `<TextArea${attrs({ ...common, editable: 'true', maxSubmissions: 1, rows: 1, value: spec.default })}/>`;
  if (spec.type === 'number') return `<Number${attrs({ ...common, min: spec.min, max: spec.max, step: spec.step, defaultValue: spec.default })}/>`;
  // The default preselected, as Tandem shows a value nobody set (a checkbox's: unticked).
  const preset = spec.type === 'checkbox' ? String(spec.default ?? false) : spec.default;
  const choices = options.map((o) => `<Choice${attrs({ value: o, selected: o === preset ? 'true' : undefined })}/>`);
  return `<Choices${attrs({ ...common, choice: 'single-radio', showInline: 'true' })}>${choices.join('')}</Choices>`;
}

const optionsOf = (spec: AttributeSpec): string[] => (spec.type === 'checkbox' ? ['true', 'false'] : spec.type === 'select' ? spec.options : []);

/** The config's XML. */
export function labelStudioConfig(input: ExportInput): string {
  const labels = exportLabels(input);
  const palette = labels.map((l) => `    <Label${attrs({ value: l.name, background: l.color, hint: l.description })}/>`).join('\n');
  // One control per attribute name: the labels that define it, the options of all of them.
  const byName = new Map<string, { spec: AttributeSpec; labels: string[]; options: string[] }>();
  for (const l of labels) {
    for (const spec of l.attributes ?? []) {
      const seen = byName.get(spec.name);
      if (!seen) byName.set(spec.name, { spec, labels: [l.name], options: [...optionsOf(spec)] });
      else {
        seen.labels.push(l.name);
        for (const o of optionsOf(spec)) if (!seen.options.includes(o)) seen.options.push(o);
      }
    }
  }
  const perRegion = [...byName.values()].map(
    ({ spec, labels: of, options }) => `  <View${attrs({ visibleWhen: 'region-selected', whenLabelValue: of.join(',') })}>\n    <Header${attrs({ value: spec.name, size: 6 })}/>\n    ${control(spec, options, true)}\n  </View>`,
  );
  const image = (input.project.settings?.imageAttributes ?? []).map((spec) => `  <Header${attrs({ value: spec.name, size: 6 })}/>\n  ${control(spec, optionsOf(spec), false)}`);
  return [
    '<View>',
    '  <Image name="image" value="$image" zoom="true" zoomControl="true"/>',
    `  <PolygonLabels name="label" toName="image" strokeWidth="2" opacity="0.4">\n${palette}\n  </PolygonLabels>`,
    `  <BrushLabels name="brush" toName="image">\n${palette}\n  </BrushLabels>`,
    ...perRegion,
    ...image,
    '</View>',
    '',
  ].join('\n');
}
