using System.Globalization;

namespace Lbdeploy.Tracing;

/// <summary>
/// Lays out the picture of a <see cref="FlowTrace"/> for templates/trace.svg.sbn (which only formats it): one lane
/// per leg, hops as boxes holding the headers seen there, arrows between them. Lanes snake (client -> mux left to
/// right, the tunnel back right to left, the reply left to right again) so the mux and the DIP sit straight above
/// themselves and the hand-overs are short vertical arrows. Sizes come from the text (monospace), all integers.
/// </summary>
public static class TraceSvgLayout
{
    private const int FontSize = 12;
    /// <summary>Advance of one monospace glyph at <see cref="FontSize"/> (DejaVu Sans Mono: 0.602 em), rounded up.</summary>
    private const double CharWidth = 7.3;
    private const int LineHeight = 16;
    private const int Margin = 24;
    private const int Padding = 10;
    private const int GapX = 56;
    private const int LaneTitleHeight = 26;
    private const int LaneGap = 64;
    private const int MinimumBoxWidth = 210;
    private const int HeaderWrap = 150;

    public static TraceSvgModel Of(FlowTrace trace)
    {
        var legs = trace.Legs.Where(l => l.Hops.Length > 0).ToList();
        var bmv2 = trace.Target == Spec.SwitchTargets.Name(Spec.SwitchTarget.Bmv2);
        var contents = legs.Select(l => l.Hops.Select(h => BoxLines(h, bmv2)).ToList()).ToList();
        var widest = contents.SelectMany(l => l).SelectMany(b => b.Fixed).Select(t => t.Text.Length).DefaultIfEmpty(0).Max();
        var boxWidth = Math.Max(MinimumBoxWidth, (int)Math.Ceiling(widest * CharWidth) + 2 * Padding);
        var wrapAt = (int)((boxWidth - 2 * Padding) / CharWidth);
        var lineCount = contents.SelectMany(l => l).Select(b => b.Fixed.Count + Wrap(b.Action, wrapAt).Count).DefaultIfEmpty(1).Max();
        var boxHeight = Padding + (lineCount + 1) * LineHeight;

        // Columns: lane 0 runs left to right; each next lane starts under the box of the previous lane where it
        // starts (the last, the hand-over; the first for a second-chance leg, which starts at the DIP) and turns.
        var starts = new int[legs.Count];
        var directions = new int[legs.Count];
        var handOvers = new int[legs.Count];
        for (var i = 0; i < legs.Count; i++)
        {
            directions[i] = i % 2 == 0 ? 1 : -1;
            if (i == 0) continue;
            handOvers[i] = HandOver(legs[i - 1], legs[i]);
            starts[i] = starts[i - 1] + directions[i - 1] * handOvers[i];
        }
        var lowest = Enumerable.Range(0, legs.Count).Select(i => Math.Min(starts[i], starts[i] + directions[i] * (legs[i].Hops.Length - 1))).DefaultIfEmpty(0).Min();
        var highest = Enumerable.Range(0, legs.Count).Select(i => Math.Max(starts[i], starts[i] + directions[i] * (legs[i].Hops.Length - 1))).DefaultIfEmpty(0).Max();
        var columns = highest - lowest + 1;
        var width = 2 * Margin + columns * boxWidth + (columns - 1) * GapX;

        // Header: what is traced, how branches are chosen, the Maglev pick, the outcome; wrapped to the width.
        var header = new List<SvgText>();
        var y = Margin + FontSize;
        var headerWrap = Math.Max(HeaderWrap, (int)((width - 2 * Margin) / CharWidth));
        header.Add(new SvgText(Margin, y, $"lbdeploy trace {trace.Flow.Text} from {trace.Flow.Client} (target {trace.Target}, predicted from the plan of {trace.Spec})", "heading"));
        y += LineHeight + 6;
        var headerLines = new List<(string Text, string Class)>();
        headerLines.AddRange(Wrap("ECMP: " + trace.Ecmp.Explanation, headerWrap).Select(t => (t, "note")));
        if (trace.Balancing is { } balancing)
            headerLines.AddRange(Wrap($"Maglev at {balancing.Mux}: " + balancing.Reason, headerWrap).Select(t => (t, "note")));
        if (trace.SecondChance is { } secondChance)
            headerLines.AddRange(Wrap(secondChance.Summary, headerWrap).Select(t => (t, "note")));
        headerLines.AddRange(Wrap((trace.Complete ? "result: " : "FAILED: ") + trace.Outcome, headerWrap).Select(t => (t, trace.Complete ? "result" : "failed")));
        foreach (var (text, cls) in headerLines)
        {
            header.Add(new SvgText(Margin, y, text, cls));
            y += LineHeight;
        }

        // Legend: one sample line per leg kind.
        y += 8;
        var legend = new List<SvgLegendItem>();
        var legendX = Margin;
        var kinds = new List<(string Kind, string Label)> { (TraceLegKinds.ToMux, "client -> mux (to the VIP)"), (TraceLegKinds.Tunnel, "IP-in-IP tunnel mux -> DIP"), (TraceLegKinds.Reply, "DSR reply DIP -> client") };
        if (legs.Any(l => l.Kind == TraceLegKinds.SecondChance)) kinds.Add((TraceLegKinds.SecondChance, "second chance DIP -> earlier owner"));
        foreach (var (kind, label) in kinds)
        {
            legend.Add(new SvgLegendItem(kind, legendX, y, legendX + 36, new SvgText(legendX + 44, y + 4, label, "legend")));
            legendX += 44 + (int)Math.Ceiling(label.Length * CharWidth) + 32;
        }
        y += LineHeight + 12;

        var lanes = new List<SvgLane>();
        var connectors = new List<SvgConnector>();
        for (var i = 0; i < legs.Count; i++)
        {
            var leg = legs[i];
            var laneTop = y;
            var boxTop = laneTop + LaneTitleHeight;
            var boxes = new List<SvgBox>();
            for (var h = 0; h < leg.Hops.Length; h++)
            {
                var column = starts[i] + directions[i] * h - lowest;
                var x = Margin + column * (boxWidth + GapX);
                var content = contents[i][h];
                var lines = new List<SvgText>();
                var lineY = boxTop + Padding + FontSize;
                foreach (var line in content.Fixed)
                {
                    lines.Add(line with { X = x + Padding, Y = lineY });
                    lineY += LineHeight;
                }
                foreach (var text in Wrap(content.Action, wrapAt))
                {
                    lines.Add(new SvgText(x + Padding, lineY, text, "action"));
                    lineY += LineHeight;
                }
                var hop = leg.Hops[h];
                boxes.Add(new SvgBox(hop.Node, hop.Role, leg.Kind, h, x, boxTop, boxWidth, boxHeight, lines));
            }
            var arrows = new List<SvgArrow>();
            var arrowY = boxTop + Padding + LineHeight / 2;
            for (var h = 1; h < boxes.Count; h++)
            {
                var (a, b) = (boxes[h - 1], boxes[h]);
                var (x1, x2) = directions[i] > 0 ? (a.X + a.Width, b.X) : (a.X, b.X + b.Width);
                arrows.Add(new SvgArrow(x1, arrowY, x2 - directions[i] * 2, arrowY, leg.Kind));
            }
            // The lane's title starts at its left end, after the hand-over arrow when that arrives there.
            var titleX = directions[i] > 0 ? boxes[0].X : boxes[^1].X;
            if (i > 0 && lanes[i - 1].Boxes.Count > 0)
            {
                var above = lanes[i - 1].Boxes[handOvers[i]];
                var below = boxes[0];
                var x = below.X + below.Width / 2;
                var label = leg.Kind == TraceLegKinds.Tunnel && trace.Balancing?.Dip is { } dip
                    ? $"Maglev: {dip} ({trace.Balancing.DipAddress}), slot {trace.Balancing.Slot}"
                    : leg.Kind == TraceLegKinds.Reply ? "decapsulate; the server answers from the VIP"
                    : leg.Kind == TraceLegKinds.SecondChance ? $"second chance: {leg.From} does not hold the connection" : "";
                var labelY = above.Y + above.Height + (below.Y - above.Y - above.Height) / 2 + 4;
                // Labels go right of the arrow unless that runs off the picture.
                var fitsRight = x + 8 + (int)Math.Ceiling(label.Length * CharWidth) <= width - Margin;
                var text = new SvgText(fitsRight ? x + 8 : x - 8, labelY, label, "connector") { Anchor = fitsRight ? "start" : "end" };
                connectors.Add(new SvgConnector(x, above.Y + above.Height, x, below.Y - 2, leg.Kind, text));
                if (x >= titleX && x < titleX + boxWidth) titleX = x + 12;
            }
            var title = new SvgText(titleX, laneTop + FontSize + 2, $"{i + 1}. {leg.Title}{(leg.Reached ? "" : $" - FAILED: {leg.Outcome}")}", "lane-title");
            lanes.Add(new SvgLane(leg.Kind, title, boxes, arrows));
            y = boxTop + boxHeight + LaneGap;
        }
        var height = y - LaneGap + Margin;
        return new TraceSvgModel(width, height, FontSize, $"lbdeploy trace: {trace.Flow.Text} from {trace.Flow.Client}", header, legend, lanes, connectors);
    }

    /// <summary>The hop of <paramref name="above"/> that <paramref name="below"/> starts from: its last, unless below starts at a node above visits earlier.</summary>
    private static int HandOver(TraceLeg above, TraceLeg below)
    {
        var last = above.Hops.Length - 1;
        if (below.Kind != TraceLegKinds.SecondChance || above.Hops[last].Node == below.From) return last;
        for (var h = last; h >= 0; h--)
            if (above.Hops[h].Node == below.From) return h;
        return last;
    }

    private sealed record BoxContent(List<SvgText> Fixed, string Action);

    /// <summary>The text of one hop's box: name and role, interfaces, the route decision and the headers seen there.</summary>
    private static BoxContent BoxLines(TraceHop hop, bool bmv2)
    {
        var lines = new List<SvgText> { new(0, 0, $"{hop.Node} ({hop.Role})", "title") };
        if (hop.Ingress is { } ingress) lines.Add(new(0, 0, $"in  {ingress.Interface} [{ingress.Port}]", "iface"));
        if (hop.Egress is { } egress) lines.Add(new(0, 0, $"out {egress.Interface} [{egress.Port}]", "iface"));
        if (hop.Decision is { } decision)
        {
            var chosen = decision.Branches[decision.Chosen];
            lines.Add(new(0, 0, $"route {decision.Prefix}", "route"));
            if (decision.IsEcmp && decision.Predicted)
            {
                lines.Add(new(0, 0, $"ECMP {decision.Chosen} of {decision.Branches.Length} -> {chosen.Neighbor}", "ecmp"));
                // The member layout may repeat next hops (stride): the box names the hash, the reason the arithmetic.
                lines.Add(new(0, 0, bmv2
                    ? Invariant($"crc16 {decision.Hash} -> branch {decision.Chosen}")
                    : Invariant($"kernel hash {decision.Hash} -> branch {decision.Chosen}"), "ecmp"));
            }
            else if (decision.Observed)
            {
                lines.Add(new(0, 0, $"ECMP {decision.Chosen} of {decision.Branches.Length}: observed -> {chosen.Neighbor}", "ecmp"));
                lines.Add(new(0, 0, "any of " + string.Join(" ", decision.Branches.Select(b => b.Neighbor)), "ecmp"));
            }
            else if (decision.IsEcmp)
            {
                lines.Add(new(0, 0, $"ECMP ? of {decision.Branches.Length}: assumed -> {chosen.Neighbor}", "assumed"));
                lines.Add(new(0, 0, "any of " + string.Join(" ", decision.Branches.Select(b => b.Neighbor)), "assumed"));
            }
        }
        if (hop.Seen is { } frame)
        {
            var verb = hop.Sent is null ? "received" : "sent";
            lines.Add(new(0, 0, $"eth src {frame.EthernetSource}", "eth"));
            lines.Add(new(0, 0, $"eth dst {frame.EthernetDestination}", "eth"));
            if (frame.Outer is { } outer)
                lines.Add(new(0, 0, Invariant($"outer {outer.Source} > {outer.Destination} {outer.ProtocolName} ttl {outer.Ttl}"), "outer"));
            if (frame.OptionText.Length > 0) lines.Add(new(0, 0, frame.OptionText, "outer"));
            var inner = frame.Inner;
            lines.Add(new(0, 0, Invariant($"{(frame.Outer is null ? "ip" : "inner")} {inner.Source} > {inner.Destination} {inner.ProtocolName} ttl {inner.Ttl}"), "inner"));
            if (frame.Ports.Length > 0) lines.Add(new(0, 0, $"{(frame.EchoIdentifier is null ? "ports " : "")}{frame.Ports.Replace("->", ">", StringComparison.Ordinal)} ({verb})", "ports"));
        }
        return new BoxContent(lines, hop.Action);
    }

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var current = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.Length > 0 && current.Length + 1 + word.Length > width)
            {
                lines.Add(current);
                current = "";
            }
            current = current.Length == 0 ? word : current + " " + word;
        }
        if (current.Length > 0) lines.Add(current);
        return lines;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The picture: size, header lines, legend, one lane per leg and the hand-over arrows between lanes.</summary>
public sealed record TraceSvgModel(int Width, int Height, int FontSize, string Title, IReadOnlyList<SvgText> Header,
    IReadOnlyList<SvgLegendItem> Legend, IReadOnlyList<SvgLane> Lanes, IReadOnlyList<SvgConnector> Connectors);

/// <summary>One line of text at (X, Y) (baseline); <see cref="Class"/> picks its style.</summary>
public sealed record SvgText(int X, int Y, string Text, string Class)
{
    /// <summary>SVG text-anchor: start (X is the left end) or end (X is the right end).</summary>
    public string Anchor { get; init; } = "start";
}

public sealed record SvgLegendItem(string Kind, int X1, int Y, int X2, SvgText Label);

public sealed record SvgLane(string Kind, SvgText Title, IReadOnlyList<SvgBox> Boxes, IReadOnlyList<SvgArrow> Arrows);

/// <summary>One hop: <see cref="Node"/> and <see cref="Kind"/> (the leg) also go into data- attributes, for tests and tools.</summary>
public sealed record SvgBox(string Node, string Role, string Kind, int Index, int X, int Y, int Width, int Height, IReadOnlyList<SvgText> Lines);

public sealed record SvgArrow(int X1, int Y1, int X2, int Y2, string Kind);

public sealed record SvgConnector(int X1, int Y1, int X2, int Y2, string Kind, SvgText Label);
