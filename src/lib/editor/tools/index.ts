// One instance of every tool per editor session.
import { BoxTool } from './BoxTool';
import { BrushTool } from './BrushTool';
import { LassoTool, PolygonTool } from './PolygonTool';
import { ScribbleTool } from './ScribbleTool';
import { SelectTool } from './SelectTool';
import { SmartClickTool } from './SmartClickTool';
import type { Tool, ToolHost, ToolId } from './types';

export * from './types';

export function createTools(host: ToolHost): Record<ToolId, Tool> {
  return {
    smart: new SmartClickTool(host),
    box: new BoxTool(host),
    scribble: new ScribbleTool(host),
    brush: new BrushTool(host, 'brush'),
    eraser: new BrushTool(host, 'eraser'),
    polygon: new PolygonTool(host),
    lasso: new LassoTool(host),
    select: new SelectTool(host),
  };
}

/** Keyboard shortcut → tool, shown in tooltips and the help overlay. */
export const toolShortcuts: Record<ToolId, { key: string; name: string; help: string }> = {
  smart: { key: 'c', name: 'Smart click', help: 'Click adds, Alt/right click removes; Enter or N accepts, Esc cancels' },
  box: { key: 'b', name: 'Box', help: 'Drag a box around the object, then refine with clicks' },
  scribble: { key: 's', name: 'Scribble', help: 'Draw foreground strokes; Alt/right button for background' },
  brush: { key: 'p', name: 'Brush', help: 'Paint into the selected mask ([ and ] change the size)' },
  eraser: { key: 'e', name: 'Eraser', help: 'Erase from the selected mask ([ and ] change the size)' },
  polygon: { key: 'g', name: 'Polygon', help: 'Click vertices; double click or Enter closes. Shift adds, Alt subtracts' },
  lasso: { key: 'l', name: 'Lasso', help: 'Press, draw the outline, release. Shift adds, Alt subtracts' },
  select: { key: 'v', name: 'Select / move', help: 'Click selects, Shift-click adds; drag moves the selected masks, a drag on empty space selects a box' },
};
