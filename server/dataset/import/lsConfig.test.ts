// A Label Studio labelling config read for the labels' colours and the attributes' definitions:
// Tandem's own (export/labelStudioConfig.ts) gives back the project's definitions; one written
// in Label Studio (CSS colours, a rating, controls for several labels, a taxonomy) what Tandem
// can hold; what is not a config is refused.
import { describe, expect, it } from 'vitest';
import type { AttributeSpec } from '../../../shared/schema/attributes';
import { sampleInput } from '../../../tests/fixtures/dataset/sampleProject';
import { labelStudioConfig } from '../export/labelStudioConfig';
import { readLsConfig } from './lsConfig';

describe('reading a Label Studio labelling config', () => {
  it("gives back Tandem's own definitions: options unused too, bounds, defaults, required flags, colours", () => {
    const input = sampleInput();
    const cat: AttributeSpec[] = [
      { name: 'occluded', type: 'checkbox', required: true },
      { name: 'colour', type: 'select', options: ['black', 'white', 'ginger'], default: 'black' },
      { name: 'lives', type: 'number', min: 1, max: 9, step: 1, default: 9 },
      { name: 'note', type: 'text' },
    ];
    const image: AttributeSpec[] = [{ name: 'weather', type: 'select', options: ['sun', 'rain & fog'], required: true }, { name: 'night', type: 'checkbox', default: true }];
    input.project = { ...input.project, labels: input.project.labels.map((l) => (l.name === 'cat' ? { ...l, attributes: cat, description: 'Pets & strays, "not" lions' } : l)), settings: { noOverlap: false, imageAttributes: image } };
    const config = readLsConfig(labelStudioConfig(input));
    expect([...config.hints]).toEqual([['cat', 'Pets & strays, "not" lions']]);
    expect(config.specs.get('cat')).toEqual(cat);
    expect(config.specs.get('')).toEqual(image);
    expect(config.specs.has('dog')).toBe(false);
    expect([...config.colours]).toEqual([['cat', '#ff0000'], ['dog', '#00ff00'], ['tree', '#0000ff'], ['bird', expect.stringMatching(/^#[0-9a-f]{6}$/)]]);
  });

  it("reads one written in Label Studio: CSS colours left to Tandem, a rating, a control for several labels, what it cannot hold left out", () => {
    const xml = `<View>
      <Image name="img" value="$image"/>
      <BrushLabels name="tag" toName="img">
        <Label value="Car" background="red" hint="  Any car, parked or not "/><Label value="Bus" background="#0f8"/><Label value="Person &amp; bike" background="#123456"/>
      </BrushLabels>
      <View visibleWhen="region-selected" whenLabelValue="Car,Bus">
        <Header value="Damage"/>
        <Choices name="damage" toName="img" perRegion="true" required="true"><Choice value="none" selected="true"/><Choice value="scratch"/><Choice value="dent"/></Choices>
        <Rating name="confidence" toName="img" perRegion="true" maxRating="3"/>
      </View>
      <TextArea name="plate" toName="img" perRegion="true" whenLabelValue="Car"/>
      <Choices name="visible" toName="img" perRegion="true"><Choice value="true"/><Choice value="false"/></Choices>
      <Taxonomy name="kind" toName="img" perRegion="true"><Choice value="a"/></Taxonomy>
      <Choices name="tandem_object_id" toName="img"><Choice value="x"/></Choices>
      <Number name="people" toName="img" min="0"/>
      <Choices name="parts" toName="img" perRegion="true" whenLabelValue="Bus" choice="multiple"><Choice value="door"/><Choice value="wheel" selected="true"/></Choices>
    </View>`;
    const config = readLsConfig(xml);
    expect([...config.colours]).toEqual([['Car', ''], ['Bus', '#00ff88'], ['Person & bike', '#123456']]);
    expect([...config.hints]).toEqual([['Car', 'Any car, parked or not']]);
    const damage = { name: 'damage', type: 'select', options: ['none', 'scratch', 'dent'], default: 'none', required: true };
    const confidence = { name: 'confidence', type: 'number', min: 0, max: 3, step: 1 };
    const visible = { name: 'visible', type: 'checkbox' };
    expect(config.specs.get('Car')).toEqual([damage, confidence, { name: 'plate', type: 'text' }, visible]);
    // A multiple choice: a checkbox per option.
    expect(config.specs.get('Bus')).toEqual([damage, confidence, visible, { name: 'door', type: 'checkbox' }, { name: 'wheel', type: 'checkbox', default: true }]);
    expect([...config.multiple]).toEqual(['parts']);
    expect(config.specs.get('Person & bike')).toEqual([visible]); // no whenLabelValue: every label's
    expect(config.specs.get('')).toEqual([{ name: 'people', type: 'number', min: 0 }]); // the reserved name left out
  });

  it('refuses what is not a config, expanding nothing', () => {
    expect(() => readLsConfig('<!DOCTYPE x [<!ENTITY a "aaaa">]><View><Label value="&a;"/></View>')).toThrow(/DOCTYPE/);
    expect(() => readLsConfig('<View><Choices name="a"></View>')).toThrow(/not well-formed/);
    expect(() => readLsConfig('<annotations/>')).toThrow(/no <View>/);
  });
});
