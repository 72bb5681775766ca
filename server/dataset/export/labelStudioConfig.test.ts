// The Label Studio labelling config shows what the Label Studio exports hold: every region's
// control and every value's, by the names the exports give them, the labels' colours, attributes
// per label with their options and required flags, the image's own attributes; well-formed XML
// whatever the names hold.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { AttributeSpec } from '../../../shared/schema/attributes';
import { sampleInput } from '../../../tests/fixtures/dataset/sampleProject';
import type { ExportInput } from '../types';
import { exportDataset } from './exportDataset';
import { toLabelStudio } from './labelStudio';

interface Node {
  [key: string]: Node[] | string | undefined;
}
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (_name, _path, _leaf, isAttribute) => !isAttribute });

/** Every element of the tree with its tag, in document order. */
function elements(node: Node, tag = 'root', out: Array<{ tag: string; node: Node; parent: Node | null }> = [], parent: Node | null = null) {
  out.push({ tag, node, parent });
  for (const [k, v] of Object.entries(node)) if (!k.startsWith('@_') && Array.isArray(v)) for (const child of v) elements(child, k, out, node);
  return out;
}

function project(): ExportInput {
  const input = sampleInput();
  const cat: AttributeSpec[] = [
    { name: 'occluded', type: 'checkbox', required: true },
    { name: 'colour', type: 'select', options: ['black', 'white'], default: 'black' },
    { name: 'lives', type: 'number', min: 1, max: 9 },
  ];
  const dog: AttributeSpec[] = [{ name: 'colour', type: 'select', options: ['brown', 'black'] }, { name: 'note', type: 'text' }];
  input.project = {
    ...input.project,
    labels: input.project.labels.map((l) => (l.name === 'cat' ? { ...l, attributes: cat } : l.name === 'dog' ? { ...l, name: 'dog "&" co', attributes: dog } : l)),
    settings: { noOverlap: false, imageAttributes: [{ name: 'weather', type: 'select', options: ['sun', 'rain'] }, { name: 'night', type: 'checkbox' }] },
  };
  input.tasks[0].objects = input.tasks[0].objects.map((o) => (o.label === 'dog' ? { ...o, label: 'dog "&" co' } : o));
  input.tasks[0].objects[0] = { ...input.tasks[0].objects[0], attributes: { occluded: true, colour: 'white', lives: 7 } };
  input.tasks[0].imageAttributes = { weather: 'rain', night: true };
  return input;
}

describe('Label Studio labelling config', () => {
  it('names a control of the right kind for every region and value either Label Studio export holds', () => {
    const input = project();
    const out = exportDataset(input, 'labelstudio-config', 'sample');
    expect([out.fileName, out.contentType]).toEqual(['sample_labelstudio_config.xml', 'application/xml']);
    const xml = new TextDecoder().decode(out.bytes);
    expect(XMLValidator.validate(xml)).toBe(true);
    const all = elements(parser.parse(xml) as Node);
    const controls = new Map(all.filter((e) => e.node['@_name']).map((e) => [e.node['@_name'] as string, e.tag]));
    const KIND: Record<string, string> = { polygonlabels: 'PolygonLabels', brushlabels: 'BrushLabels', choices: 'Choices', textarea: 'TextArea', number: 'Number' };
    for (const shapes of ['polygons', 'brush'] as const) {
      const results = (toLabelStudio(input, shapes) as Array<{ annotations: Array<{ result: Array<{ from_name: string; to_name: string; type: string; value: Record<string, unknown> }> }> }>).flatMap((t) => t.annotations[0].result);
      expect(results.length).toBeGreaterThan(8);
      for (const r of results) {
        expect([r.from_name, controls.get(r.from_name)]).toEqual([r.from_name, KIND[r.type]]);
        expect(controls.get(r.to_name)).toBe('Image');
        // A region's label is one of its control's labels; a choice one of its control's choices.
        const labelled = r.value[r.type];
        const control = all.find((e) => e.node['@_name'] === r.from_name)!.node;
        const offered = ((control.Label ?? control.Choice ?? []) as Node[]).map((c) => c['@_value']);
        if (Array.isArray(labelled)) expect(offered).toEqual(expect.arrayContaining(labelled));
      }
    }
  });

  it("gives the labels their colours and each attribute its labels, options, default and required flag; the image's own for the whole image", () => {
    const xml = new TextDecoder().decode(exportDataset(project(), 'labelstudio-config', 'sample').bytes);
    const all = elements(parser.parse(xml) as Node);
    const polygons = all.find((e) => e.tag === 'PolygonLabels')!.node;
    expect((polygons.Label as Node[]).map((l) => [l['@_value'], l['@_background']])).toEqual([
      ['cat', '#ff0000'],
      ['dog "&" co', '#00ff00'],
      ['tree', '#0000ff'],
      ['bird', expect.stringMatching(/^#[0-9a-f]{6}$/)], // used by an object, not defined: as every export adds it
    ]);
    const byName = (name: string) => all.find((e) => e.node['@_name'] === name)!;
    // `colour` of two labels: one control, shown for both, the options of both.
    const colour = byName('colour');
    expect([colour.parent!['@_visibleWhen'], colour.parent!['@_whenLabelValue'], colour.node['@_perRegion']]).toEqual(['region-selected', 'cat,dog "&" co', 'true']);
    expect((colour.node.Choice as Node[]).map((c) => [c['@_value'], c['@_selected']])).toEqual([['black', 'true'], ['white', undefined], ['brown', undefined]]);
    const occluded = byName('occluded');
    expect([occluded.parent!['@_whenLabelValue'], occluded.node['@_required'], (occluded.node.Choice as Node[]).map((c) => [c['@_value'], c['@_selected']])]).toEqual(['cat', 'true', [['true', undefined], ['false', 'true']]]);
    expect([byName('lives').tag, byName('lives').node['@_min'], byName('lives').node['@_max'], byName('lives').node['@_required']]).toEqual(['Number', '1', '9', undefined]);
    expect([byName('note').tag, byName('note').parent!['@_whenLabelValue']]).toEqual(['TextArea', 'dog "&" co']);
    // The image's own: no region needed.
    for (const name of ['weather', 'night']) expect([byName(name).node['@_perRegion'], byName(name).parent!['@_visibleWhen']]).toEqual([undefined, undefined]);
  });
});
