using Lbdeploy.Common;
using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Lbdeploy.Spec;

/// <summary>
/// Typed access to YAML nodes that records a located diagnostic for every mismatch instead of throwing, so one
/// pass reports every problem. Also remembers where each item was written for later checks (<see cref="SpecSourceMap"/>).
/// </summary>
internal sealed class YamlFields(string file)
{
    public List<SpecDiagnostic> Diagnostics { get; } = [];
    public Dictionary<string, SourceLocation> Values { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, SourceLocation> Keys { get; } = new(StringComparer.Ordinal);

    public static SourceLocation Locate(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);

    public void Error(YamlNode node, string path, string message) => Diagnostics.Add(new(file, Locate(node), path, message));

    public void Error(SourceLocation location, string path, string message) => Diagnostics.Add(new(file, location, path, message));

    public bool HasErrorAt(string path) =>
        Diagnostics.Any(d => d.Path == path || d.Path.StartsWith(path + ".", StringComparison.Ordinal) || d.Path.StartsWith(path + "[", StringComparison.Ordinal));

    public void Track(string path, YamlNode value, YamlNode? key = null)
    {
        Values[path] = Locate(value);
        if (key is not null) Keys[path] = Locate(key);
    }

    public static string Child(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";

    public static string Item(string parent, int index) => $"{parent}[{index.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>A YAML null: an empty value, <c>~</c> or <c>null</c> written without quotes.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ when IsNull(node) => "nothing",
        YamlScalarNode scalar => TerminalText.Quote(scalar.Value ?? ""),
        _ => "something else",
    };

    /// <summary>
    /// The fields of a mapping, by key. Reports a non-mapping, unknown keys (with the closest known key as a
    /// suggestion) and missing required keys. Returns null when <paramref name="node"/> is not a mapping.
    /// </summary>
    public Dictionary<string, Field>? Mapping(YamlNode node, string path, IReadOnlyList<string> known, IReadOnlyList<string> required, string example)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(node, path, $"expected a mapping{(example.Length > 0 ? $" such as {{ {example} }}" : " of name: value lines")}, got {Describe(node)}");
            return null;
        }
        var fields = new Dictionary<string, Field>(StringComparer.Ordinal);
        var suggested = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = keyNode is YamlScalarNode { Value: { } text } ? text : null;
            if (key is null)
            {
                Error(keyNode, path, $"keys must be plain names, got {Describe(keyNode)}; write the key as a word (name: value)");
                continue;
            }
            var childPath = Child(path, key);
            if (key == "<<")
            {
                Error(keyNode, childPath, "merge keys (<<: *anchor) are not supported; write the keys out");
                continue;
            }
            if (!known.Contains(key))
            {
                var suggestion = Suggestions.Closest(key, known);
                if (suggestion is not null) suggested.Add(suggestion);
                Error(keyNode, childPath, suggestion is not null
                    ? $"unknown key {TerminalText.Quote(key)}; did you mean '{suggestion}'?"
                    : $"unknown key {TerminalText.Quote(key)}; expected one of: {string.Join(", ", known)}");
                continue;
            }
            Track(childPath, valueNode, keyNode);
            fields[key] = new Field(childPath, keyNode, valueNode);
        }
        foreach (var key in required)
        {
            if (!fields.TryGetValue(key, out var field))
            {
                // A misspelt key already reported with "did you mean {TerminalText.Quote(key)}" explains this one.
                if (!suggested.Contains(key)) Error(node, path, $"required key {TerminalText.Quote(key)} is missing");
            }
            else if (IsNull(field.Value))
            {
                Error(field.Value, field.Path, "required value is empty");
            }
        }
        return fields;
    }

    /// <summary>The present, non-null value of an optional key.</summary>
    public static Field? Optional(Dictionary<string, Field>? fields, string key) =>
        fields is not null && fields.TryGetValue(key, out var field) && !IsNull(field.Value) ? field : null;

    public string? Text(Field field, string expected) => Text(field.Value, field.Path, expected);

    /// <summary>
    /// A non-empty scalar. Control characters (a newline from a quoted "\n", an escape sequence, NUL, a bidirectional
    /// override) are refused here, for every text field at once: no spec value reaches a script or a terminal with one.
    /// </summary>
    public string? Text(YamlNode node, string path, string expected)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } text } && !IsNull(node))
        {
            if (text.Length > InputLimits.MaxTextLength)
            {
                Error(node, path, $"{TerminalText.Quote(text)} is too long for {expected}; values are at most {InputLimits.MaxTextLength} characters");
                return null;
            }
            var control = TerminalText.IndexOfControl(text);
            if (control < 0) return text;
            Error(node, path, $"{TerminalText.Quote(text)} holds the control character {TerminalText.Escape(text.Substring(control, char.IsSurrogate(text[control]) ? 2 : 1))} (character {control + 1}); remove it");
            return null;
        }
        Error(node, path, $"expected {expected}, got {Describe(node)}");
        return null;
    }

    public bool? Bool(Field field)
    {
        if (field.Value is YamlScalarNode { Value: { } text })
        {
            if (text is "true" or "True" or "TRUE") return true;
            if (text is "false" or "False" or "FALSE") return false;
        }
        Error(field.Value, field.Path, $"expected true or false, got {Describe(field.Value)}");
        return null;
    }

    public long? Integer(Field field, long min, long max, string what) => Integer(field.Value, field.Path, min, max, what);

    public long? Integer(YamlNode node, string path, long min, long max, string what)
    {
        if (node is YamlScalarNode { Value: { } text } && !IsNull(node)
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            if (value >= min && value <= max) return value;
            Error(node, path, $"{what} {value} is out of range; use {min.ToString(CultureInfo.InvariantCulture)}-{max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }
        Error(node, path, $"expected a whole number for {what} ({min.ToString(CultureInfo.InvariantCulture)}-{max.ToString(CultureInfo.InvariantCulture)}), got {Describe(node)}");
        return null;
    }

    public YamlSequenceNode? Sequence(Field field, string expected)
    {
        if (field.Value is YamlSequenceNode sequence) return sequence;
        Error(field.Value, field.Path, $"expected a list of {expected}, got {Describe(field.Value)}");
        return null;
    }
}

/// <summary>One key of a mapping: its item path, key node (for "at the key" messages) and value node.</summary>
internal sealed record Field(string Path, YamlNode Key, YamlNode Value);
