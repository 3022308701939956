//! Where each pane goes, computed from the terminal size alone so that drawing
//! and mouse hit-testing agree.

use ratatui::layout::Rect;

/// Wide terminals put the list beside the state; narrow ones stack them.
const WIDE: u16 = 110;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub header: Rect,
    pub timeline: Rect,
    pub list: Rect,
    pub tree: Rect,
    pub lower: Rect,
    pub status: Rect,
    pub footer: Rect,
}

/// A pane's inside: panes have a top border (their title) and a left border
/// when something is to their left.
pub fn inner(r: Rect) -> Rect {
    let left = u16::from(r.x > 0);
    Rect {
        x: r.x + left,
        y: r.y + 1,
        width: r.width.saturating_sub(left),
        height: r.height.saturating_sub(1),
    }
}

pub fn areas(size: Rect) -> Areas {
    let (w, h) = (size.width, size.height);
    let header_h = 2.min(h);
    let timeline_h = if h >= 30 { 3 } else { 2 }.min(h.saturating_sub(header_h));
    let bottom_h = 2.min(h.saturating_sub(header_h + timeline_h));
    let body_y = size.y + header_h + timeline_h;
    let body_h = h.saturating_sub(header_h + timeline_h + bottom_h);
    let row = |y: u16, height: u16| Rect {
        x: size.x,
        y,
        width: w,
        height,
    };
    let header = row(size.y, header_h);
    let timeline = row(size.y + header_h, timeline_h);
    let status = row(body_y + body_h, bottom_h.min(1));
    let footer = row(body_y + body_h + 1, bottom_h.saturating_sub(1));
    let (list, tree, lower);
    if w >= WIDE {
        let lw = w * 46 / 100;
        list = Rect {
            x: size.x,
            y: body_y,
            width: lw,
            height: body_h,
        };
        let th = body_h * 3 / 5;
        tree = Rect {
            x: size.x + lw,
            y: body_y,
            width: w - lw,
            height: th,
        };
        lower = Rect {
            x: size.x + lw,
            y: body_y + th,
            width: w - lw,
            height: body_h - th,
        };
    } else {
        let lh = (body_h * 2 / 5).max(4.min(body_h));
        list = Rect {
            x: size.x,
            y: body_y,
            width: w,
            height: lh,
        };
        let tw = w * 11 / 20;
        tree = Rect {
            x: size.x,
            y: body_y + lh,
            width: tw,
            height: body_h - lh,
        };
        lower = Rect {
            x: size.x + tw,
            y: body_y + lh,
            width: w - tw,
            height: body_h - lh,
        };
    }
    Areas {
        header,
        timeline,
        list,
        tree,
        lower,
        status,
        footer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(a: &Areas, size: Rect) -> u32 {
        [a.header, a.timeline, a.list, a.tree, a.lower, a.status, a.footer]
            .iter()
            .map(|r| u32::from(r.width) * u32::from(r.height))
            .sum::<u32>()
            - u32::from(size.width) * u32::from(size.height)
    }

    #[test]
    fn panes_tile_the_screen() {
        for (w, h) in [(80, 24), (120, 40), (200, 60), (20, 5)] {
            let size = Rect::new(0, 0, w, h);
            let a = areas(size);
            assert_eq!(covers(&a, size), 0, "{w}x{h}");
            for r in [a.header, a.timeline, a.list, a.tree, a.lower, a.status, a.footer] {
                assert!(r.right() <= w && r.bottom() <= h, "{w}x{h}: {r:?}");
            }
        }
    }

    #[test]
    fn small_terminal_still_has_rows_for_each_pane() {
        let a = areas(Rect::new(0, 0, 80, 24));
        assert!(inner(a.list).height >= 5);
        assert!(inner(a.tree).height >= 8);
        assert!(inner(a.lower).height >= 8);
    }
}
