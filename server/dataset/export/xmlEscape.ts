// Text and attribute values written into the XML exports (CVAT, VOC annotations, Label Studio config).
export const xmlEscape = (v: string | number) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
