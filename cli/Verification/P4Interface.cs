using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Lb.Core.Addressing;

namespace Lbdeploy.Verification;

/// <summary>
/// The control-plane interface of a P4_16 program read from its source (no compiler needed): tables with their keys
/// (field, match kind, width) and actions, and actions with their parameter widths. <see cref="CheckCommand"/>
/// checks a simple_switch_CLI line against it, so generated rules are validated without bmv2.
/// Understands the subset lbdeploy's programs use: typedef bit&lt;N&gt;, header/struct fields, control parameters.
/// </summary>
public sealed partial record P4Interface(ImmutableArray<P4Table> Tables, ImmutableArray<P4Action> Actions)
{
    public P4Table? FindTable(string name) => Tables.FirstOrDefault(t => t.Name == name);

    public P4Action? FindAction(string name) => Actions.FirstOrDefault(a => a.Name == name);

    public static P4Interface Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>p4/ecmp.p4 as embedded in this build: the program the bmv2 target's switches run.</summary>
    public static P4Interface Ecmp => EcmpProgram.Value;

    private static readonly Lazy<P4Interface> EcmpProgram = new(() =>
    {
        using var stream = typeof(P4Interface).Assembly.GetManifestResourceStream("p4/ecmp.p4")
            ?? throw new InvalidOperationException("p4/ecmp.p4 is not embedded; add it to the EmbeddedResource items of cli/Lbdeploy.csproj");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    public static P4Interface Parse(string source)
    {
        var text = StripComments(source);
        var typedefs = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match m in TypedefPattern().Matches(text)) typedefs[m.Groups[2].Value] = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);

        // header and struct types: field -> type name (bit<N> or another type)
        var types = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (Match m in TypeBlockPattern().Matches(text))
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match f in FieldPattern().Matches(m.Groups[2].Value)) fields[f.Groups[2].Value] = f.Groups[1].Value;
            types[m.Groups[1].Value] = fields;
        }

        // parameter names of parsers and controls (hdr -> headers, meta -> metadata)
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in ControlPattern().Matches(text))
            foreach (Match p in ParameterPattern().Matches(m.Groups[1].Value))
                variables.TryAdd(p.Groups[2].Value, p.Groups[1].Value);

        int? WidthOfType(string type) =>
            BitPattern().Match(type) is { Success: true } bit ? int.Parse(bit.Groups[1].Value, CultureInfo.InvariantCulture)
            : typedefs.TryGetValue(type, out var w) ? w : null;

        int? WidthOfField(string path)
        {
            var parts = path.Split('.');
            if (!variables.TryGetValue(parts[0], out var type)) return null;
            foreach (var part in parts.Skip(1))
            {
                if (!types.TryGetValue(type, out var fields) || !fields.TryGetValue(part, out var next)) return null;
                type = next;
            }
            return WidthOfType(type);
        }

        var actions = ImmutableArray.CreateBuilder<P4Action>();
        foreach (Match m in ActionPattern().Matches(text))
        {
            var parameters = ImmutableArray.CreateBuilder<P4Parameter>();
            foreach (var raw in m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var p = ActionParameterPattern().Match(raw);
                if (!p.Success) throw new FormatException($"action {m.Groups[1].Value}: cannot read parameter '{raw}'");
                var width = WidthOfType(p.Groups[1].Value) ?? throw new FormatException($"action {m.Groups[1].Value}: unknown type '{p.Groups[1].Value}'");
                parameters.Add(new P4Parameter(p.Groups[2].Value, width));
            }
            actions.Add(new P4Action(m.Groups[1].Value, parameters.ToImmutable()));
        }

        var tables = ImmutableArray.CreateBuilder<P4Table>();
        foreach (Match m in TablePattern().Matches(text))
        {
            var body = Block(text, m.Index + m.Length - 1);
            var keys = ImmutableArray.CreateBuilder<P4Key>();
            if (KeysPattern().Match(body) is { Success: true } keyBlock)
                foreach (Match k in KeyPattern().Matches(keyBlock.Groups[1].Value))
                    keys.Add(new P4Key(k.Groups[1].Value, k.Groups[2].Value, WidthOfField(k.Groups[1].Value)));
            var tableActions = ActionsPattern().Match(body) is { Success: true } actionBlock
                ? actionBlock.Groups[1].Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToImmutableArray()
                : [];
            var defaultAction = DefaultActionPattern().Match(body) is { Success: true } d ? d.Groups[1].Value : null;
            int? size = SizePattern().Match(body) is { Success: true } s ? int.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture) : null;
            tables.Add(new P4Table(m.Groups[1].Value, keys.ToImmutable(), tableActions, defaultAction, size));
        }
        return new P4Interface(tables.ToImmutable(), actions.ToImmutable());
    }

    /// <summary>
    /// Problems of one simple_switch_CLI command against this program (empty when it would load): supports
    /// <c>table_add TABLE ACTION KEY... =&gt; PARAM...</c>, <c>table_set_default TABLE ACTION PARAM...</c>,
    /// <c>table_clear TABLE</c>, and what the mux watcher sends: <c>table_modify TABLE ACTION HANDLE =&gt; PARAM...</c>,
    /// <c>table_delete TABLE HANDLE</c> and <c>table_dump_entry_from_key TABLE KEY...</c>.
    /// </summary>
    public ImmutableArray<string> CheckCommand(string line)
    {
        var errors = ImmutableArray.CreateBuilder<string>();
        var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0].StartsWith('#')) return [];
        if (words[0] is "table_clear" or "table_delete" or "table_dump_entry_from_key")
        {
            if (words.Length < 2) return [$"'{line}': expected {words[0]} TABLE ..."];
            var target = FindTable(words[1]);
            if (target is null) return [$"no table '{words[1]}' (the program has {string.Join(", ", Tables.Select(t => t.Name))})"];
            if (words[0] == "table_clear") return words.Length == 2 ? [] : [$"'{line}': expected table_clear TABLE"];
            if (words[0] == "table_delete") return words.Length == 3 && IsHandle(words[2]) ? [] : [$"'{line}': expected table_delete TABLE HANDLE"];
            CheckKeys(target, words[2..], errors);
            return errors.ToImmutable();
        }
        var isAdd = words[0] == "table_add";
        var isModify = words[0] == "table_modify";
        if (!isAdd && !isModify && words[0] != "table_set_default") return [$"unsupported command '{words[0]}'"];
        if (words.Length < 3) return [$"'{line}': expected {words[0]} TABLE ACTION ..."];
        var table = FindTable(words[1]);
        if (table is null) return [$"no table '{words[1]}' (the program has {string.Join(", ", Tables.Select(t => t.Name))})"];
        var action = FindAction(words[2]);
        if (action is null || !table.Actions.Contains(action.Name)) return [$"table {table.Name} has no action '{words[2]}' (it has {string.Join(", ", table.Actions)})"];

        string[] parameters;
        if (isAdd)
        {
            var arrow = Array.IndexOf(words, "=>");
            parameters = arrow < 0 ? [] : words[(arrow + 1)..];
            CheckKeys(table, arrow < 0 ? words[3..] : words[3..arrow], errors);
        }
        else if (isModify)
        {
            if (words.Length < 4 || !IsHandle(words[3])) return [$"'{line}': expected table_modify TABLE ACTION HANDLE => PARAM..."];
            parameters = words.Length > 4 && words[4] == "=>" ? words[5..] : words[4..];
        }
        else
        {
            parameters = words[3..];
        }
        if (parameters.Length != action.Parameters.Length)
            errors.Add($"action {action.Name} takes {action.Parameters.Length} parameter(s) ({string.Join(", ", action.Parameters.Select(p => p.Name))}), got {parameters.Length}");
        else
            for (var i = 0; i < parameters.Length; i++)
                if (!Fits(parameters[i], action.Parameters[i].Width))
                    errors.Add($"{action.Name} parameter {action.Parameters[i].Name} = '{parameters[i]}' does not fit bit<{action.Parameters[i].Width}>");
        return errors.ToImmutable();
    }

    private static void CheckKeys(P4Table table, string[] keys, ImmutableArray<string>.Builder errors)
    {
        if (keys.Length != table.Keys.Length)
            errors.Add($"table {table.Name} takes {table.Keys.Length} key(s) ({string.Join(", ", table.Keys.Select(k => k.Field))}), got {keys.Length}");
        else
            for (var i = 0; i < keys.Length; i++) CheckKey(table.Keys[i], keys[i], errors);
    }

    /// <summary>An entry handle as the CLI reads it (a decimal integer).</summary>
    private static bool IsHandle(string word) => long.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static void CheckKey(P4Key key, string value, ImmutableArray<string>.Builder errors)
    {
        var width = key.Width ?? 64;
        switch (key.MatchKind)
        {
            case "lpm":
                var slash = value.IndexOf('/');
                if (slash < 0 || !int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > width
                    || !Fits(value[..slash], width))
                    errors.Add($"key {key.Field} (lpm, bit<{width}>) = '{value}' is not VALUE/LENGTH with LENGTH <= {width}");
                break;
            case "ternary":
                var parts = value.Split("&&&");
                if (parts.Length != 2 || !Fits(parts[0], width) || !Fits(parts[1], width))
                    errors.Add($"key {key.Field} (ternary, bit<{width}>) = '{value}' is not VALUE&&&MASK");
                break;
            default:
                if (!Fits(value, width)) errors.Add($"key {key.Field} ({key.MatchKind}, bit<{width}>) = '{value}' does not fit");
                break;
        }
    }

    /// <summary>Whether a CLI value (decimal, 0x hex, dotted IPv4, MAC) fits in <paramref name="width"/> bits.</summary>
    public static bool Fits(string value, int width)
    {
        BigInteger number;
        if (MacAddress.TryParse(value, out var mac)) number = mac.Value;
        else if (Ipv4Address.TryParse(value, out var ip)) number = ip.Value;
        else if (value.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (!BigInteger.TryParse("0" + value[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out number)) return false;
        }
        else if (!BigInteger.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number)) return false;
        return number >= 0 && number < BigInteger.One << width;
    }

    private static string StripComments(string source) => CommentPattern().Replace(source, m => m.Value.StartsWith("//", StringComparison.Ordinal) ? "" : " ");

    /// <summary>The text between the brace at <paramref name="open"/> and its partner.</summary>
    private static string Block(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return text[(open + 1)..i];
        }
        throw new FormatException("unbalanced braces");
    }

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex CommentPattern();

    [GeneratedRegex(@"typedef\s+bit\s*<\s*(\d+)\s*>\s+(\w+)\s*;")]
    private static partial Regex TypedefPattern();

    [GeneratedRegex(@"\b(?:header|struct)\s+(\w+)\s*\{([^}]*)\}")]
    private static partial Regex TypeBlockPattern();

    [GeneratedRegex(@"(bit\s*<\s*\d+\s*>|\w+)\s+(\w+)\s*;")]
    private static partial Regex FieldPattern();

    [GeneratedRegex(@"\b(?:control|parser)\s+\w+\s*\(([^)]*)\)")]
    private static partial Regex ControlPattern();

    [GeneratedRegex(@"(?:\b(?:inout|in|out)\s+)?(\w+)\s+(\w+)\s*(?:,|$)")]
    private static partial Regex ParameterPattern();

    [GeneratedRegex(@"\baction\s+(\w+)\s*\(([^)]*)\)")]
    private static partial Regex ActionPattern();

    [GeneratedRegex(@"^(?:(?:in|out|inout)\s+)?(bit\s*<\s*\d+\s*>|\w+)\s+(\w+)$")]
    private static partial Regex ActionParameterPattern();

    [GeneratedRegex(@"bit\s*<\s*(\d+)\s*>")]
    private static partial Regex BitPattern();

    [GeneratedRegex(@"\btable\s+(\w+)\s*\{")]
    private static partial Regex TablePattern();

    [GeneratedRegex(@"\bkey\s*=\s*\{([^}]*)\}")]
    private static partial Regex KeysPattern();

    [GeneratedRegex(@"([\w.\[\]]+)\s*:\s*(\w+)\s*;")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"\bactions\s*=\s*\{([^}]*)\}")]
    private static partial Regex ActionsPattern();

    [GeneratedRegex(@"\bdefault_action\s*=\s*(\w+)")]
    private static partial Regex DefaultActionPattern();

    [GeneratedRegex(@"\bsize\s*=\s*(\d+)")]
    private static partial Regex SizePattern();
}

public sealed record P4Table(string Name, ImmutableArray<P4Key> Keys, ImmutableArray<string> Actions, string? DefaultAction, int? Size);

/// <summary>A table key: the field, its match kind (exact, lpm, ternary, ...) and width (null when not resolvable).</summary>
public sealed record P4Key(string Field, string MatchKind, int? Width);

public sealed record P4Action(string Name, ImmutableArray<P4Parameter> Parameters);

public sealed record P4Parameter(string Name, int Width);
