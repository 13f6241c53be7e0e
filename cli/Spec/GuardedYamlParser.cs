using Lbdeploy.Common;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Lbdeploy.Spec;

/// <summary>
/// Stands between YamlDotNet's parser (iterative) and its representation model (which builds nodes recursively and
/// hashes mapping keys), so no text can hang or crash the reader:
/// <list type="bullet">
/// <item>nesting deeper than <see cref="InputLimits.MaxNesting"/>, more than <see cref="InputLimits.MaxAliases"/>
/// aliases, or more than <see cref="InputLimits.MaxYamlNodes"/> nodes once aliases are expanded (a "billion laughs"
/// file) stop the read with a <see cref="YamlLimitException"/> at the node that crossed the bound;</item>
/// <item>a key that is not a plain scalar (an alias, a list, a mapping) and a key seen twice in one mapping are
/// reported and left out with their value, so one such mistake does not hide the rest of the file.</item>
/// </list>
/// It also knows each node's item path (<c>vip.address</c>, <c>dips[2]</c>) for those reports.
/// </summary>
/// <param name="typical">What such a file needs, for the limit messages: nesting ("lb.yaml needs at most 4") and values ("a spec needs a few dozen").</param>
internal sealed class GuardedYamlParser(IParser inner, Action<Mark, string, string> report, (string Nesting, string Values) typical) : IParser
{
    private readonly Stack<Frame> frames = new();
    private readonly Dictionary<string, int> anchorSizes = new(StringComparer.Ordinal);
    private int nodes;
    private int aliases;

    public ParsingEvent? Current { get; private set; }

    public bool MoveNext()
    {
        while (inner.MoveNext())
        {
            var parsingEvent = inner.Current!;
            Count(parsingEvent, frames.Count);
            if (frames.TryPeek(out var top) && top.IsMapping && top.ExpectsKey && parsingEvent is not MappingEnd)
            {
                if (!AcceptKey(top, parsingEvent)) continue;
            }
            else
            {
                switch (parsingEvent)
                {
                    case MappingStart start:
                        frames.Push(new Frame(isMapping: true, ChildPath(), start.Anchor.IsEmpty ? null : start.Anchor.Value, nodes));
                        break;
                    case SequenceStart start:
                        frames.Push(new Frame(isMapping: false, ChildPath(), start.Anchor.IsEmpty ? null : start.Anchor.Value, nodes));
                        break;
                    case MappingEnd or SequenceEnd:
                        var done = frames.Pop();
                        if (done.Anchor is { } anchor) anchorSizes[anchor] = nodes - done.NodesBefore;
                        Completed();
                        break;
                    case Scalar scalar:
                        if (!scalar.Anchor.IsEmpty) anchorSizes[scalar.Anchor.Value] = 1;
                        Completed();
                        break;
                    case AnchorAlias alias when !anchorSizes.ContainsKey(alias.Value.Value) && !OpenAnchor(alias.Value.Value):
                        // YamlDotNet would stop the whole read at 1:1; say where, and read on with an empty value.
                        report(alias.Start, ChildPath(), $"alias *{TerminalText.Escape(alias.Value.Value)} refers to no anchor &{TerminalText.Escape(alias.Value.Value)} before it; define the anchor first, or write the value out");
                        Completed();
                        Current = new Scalar(AnchorName.Empty, TagName.Empty, "", ScalarStyle.Plain, true, false, alias.Start, alias.End);
                        return true;
                    case AnchorAlias:
                        Completed();
                        break;
                }
            }
            Current = parsingEvent;
            return true;
        }
        Current = null;
        return false;
    }

    /// <summary>A key event in a mapping: passes a new plain key through; reports and skips any other, with its value.</summary>
    private bool AcceptKey(Frame mapping, ParsingEvent key)
    {
        string? problem = null;
        switch (key)
        {
            case Scalar { Value: var text }:
                if (mapping.Keys.TryGetValue(text, out var firstLine))
                {
                    problem = $"key {TerminalText.Quote(text)} appears twice in this mapping (also on line {firstLine}); keep one";
                    report(key.Start, YamlFields.Child(mapping.Path, text), problem);
                    SkipNode(); // its value
                    return false;
                }
                mapping.Keys[text] = (int)key.Start.Line;
                mapping.CurrentKey = text;
                mapping.ExpectsKey = false;
                return true;
            case AnchorAlias alias:
                problem = $"an alias (*{alias.Value}) cannot be a key; write the key out";
                break;
            case MappingStart:
                problem = "keys must be plain names, got a mapping; write the key as a word (name: value)";
                SkipRest(key);
                break;
            case SequenceStart:
                problem = "keys must be plain names, got a list; write the key as a word (name: value)";
                SkipRest(key);
                break;
            default:
                return true;
        }
        report(key.Start, mapping.Path, problem);
        SkipNode(); // its value
        return false;
    }

    /// <summary>An anchor on a collection still being read (an alias to it is a cycle YamlDotNet reports itself).</summary>
    private bool OpenAnchor(string name) => frames.Any(f => f.Anchor == name);

    private void Completed()
    {
        if (!frames.TryPeek(out var parent)) return;
        if (parent.IsMapping) parent.ExpectsKey = true;
        else parent.Index++;
    }

    private string ChildPath()
    {
        if (!frames.TryPeek(out var parent)) return "";
        return parent.IsMapping ? YamlFields.Child(parent.Path, parent.CurrentKey ?? "") : YamlFields.Item(parent.Path, parent.Index);
    }

    /// <summary>Consumes one whole node (a scalar, an alias, or a collection to its end).</summary>
    private void SkipNode()
    {
        if (!inner.MoveNext()) return;
        var first = inner.Current!;
        Count(first, frames.Count);
        SkipRest(first);
    }

    /// <summary>Consumes the rest of a collection whose start event was just read; nothing for a scalar or alias.</summary>
    private void SkipRest(ParsingEvent start)
    {
        if (start is not (MappingStart or SequenceStart)) return;
        var depth = 1;
        while (depth > 0 && inner.MoveNext())
        {
            var parsingEvent = inner.Current!;
            Count(parsingEvent, frames.Count + depth);
            depth += parsingEvent switch
            {
                MappingStart or SequenceStart => 1,
                MappingEnd or SequenceEnd => -1,
                _ => 0,
            };
        }
    }

    private void Count(ParsingEvent parsingEvent, int depth)
    {
        switch (parsingEvent)
        {
            case MappingStart or SequenceStart:
                if (depth + 1 > InputLimits.MaxNesting)
                {
                    throw new YamlLimitException(parsingEvent.Start, $"lists and mappings nest deeper than {InputLimits.MaxNesting} levels here; {typical.Nesting}, so remove the extra nesting");
                }
                nodes++;
                break;
            case Scalar:
                nodes++;
                break;
            case AnchorAlias alias:
                if (++aliases > InputLimits.MaxAliases)
                {
                    throw new YamlLimitException(parsingEvent.Start, $"more than {InputLimits.MaxAliases} aliases; write the values out instead of repeating anchors");
                }
                nodes += anchorSizes.GetValueOrDefault(alias.Value.Value, 1);
                break;
        }
        if (nodes > InputLimits.MaxYamlNodes)
        {
            throw new YamlLimitException(parsingEvent.Start, $"the document expands to more than {InputLimits.MaxYamlNodes} values (aliases counted at the size of what they repeat); {typical.Values}, so write it out plainly");
        }
    }

    private sealed class Frame(bool isMapping, string path, string? anchor, int nodesBefore)
    {
        public bool IsMapping { get; } = isMapping;
        public string Path { get; } = path;
        public string? Anchor { get; } = anchor;
        public int NodesBefore { get; } = nodesBefore;
        public bool ExpectsKey { get; set; } = true;
        public string? CurrentKey { get; set; }
        public int Index { get; set; }
        public Dictionary<string, int> Keys { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>A YAML text past one of <see cref="InputLimits"/>' bounds, at <see cref="Mark"/>.</summary>
internal sealed class YamlLimitException(Mark mark, string message) : Exception(message)
{
    public Mark Mark { get; } = mark;
}
