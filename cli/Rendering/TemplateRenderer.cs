using System.Collections.Concurrent;
using System.Text;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Lbdeploy.Common;

namespace Lbdeploy.Rendering;

/// <summary>
/// Renders the Scriban templates of <c>templates/</c>, embedded in this assembly (resource name = path under
/// templates/, e.g. <c>switches/linux.sh.sbn</c>) so the binary needs no checkout. Models are plain records whose
/// members templates see in snake_case. Strict: an unknown variable is an error, not an empty string.
/// Adds one function, <c>sh</c>, that quotes a value for /bin/sh with <see cref="ShellQuoting.Quote"/>: every value a
/// shell template interpolates goes through it (a test renders the templates from hostile input and runs the scripts).
/// FRR configs have no quoting: their templates pass every value through <c>frr</c>, which lets through only one word
/// (<see cref="FrrWords"/>) and fails the render otherwise. `include` reads another embedded template (a part two
/// templates share, such as the switches' forwarding sysctls).
/// </summary>
public static class TemplateRenderer
{
    private const string ResourcePrefix = "templates/";
    private static readonly ConcurrentDictionary<string, Template> Cache = new(StringComparer.Ordinal);

    public static string Render(string templateName, object model)
    {
        var template = Cache.GetOrAdd(templateName, Load);
        var scratch = Scratch.Value!;
        var globals = new ScriptObject();
        globals.Import(model, renamer: StandardMemberRenamer.Default);
        globals.SetValue("sh", scratch.Shell, readOnly: true);
        globals.SetValue("frr", scratch.FrrWord, readOnly: true);
        var context = new TemplateContext(scratch.Builtins)
        {
            StrictVariables = true,
            LoopLimit = 0,
            NewLine = "\n",
            MemberRenamer = StandardMemberRenamer.Default,
            TemplateLoader = EmbeddedTemplates.Instance,
        };
        context.PushOutput(new StringBuilderOutput(scratch.RentOutput()));
        context.PushGlobal(globals);
        var text = template.Render(context);
        scratch.Release();
        return text;
    }

    // What every render needs but nothing in a render changes: the builtin functions (~0.2 ms to build: a k=16 plan
    // renders 640 files) and the output buffer (Render copies it out and empties it; reused, it grows once instead
    // of chunk by chunk in every file). One set per thread: switches render in parallel.
    private static readonly ThreadLocal<RenderScratch> Scratch = new(() => new RenderScratch());

    private sealed class RenderScratch
    {
        // A file larger than this (chars) does not keep its buffer alive after the render.
        private const int RetainedCapacity = 4 << 20;

        public ScriptObject Builtins { get; } = TemplateContext.GetDefaultBuiltinObject();

        public object Shell { get; } = CreateFunction("sh", new Func<object?, string>(ShellWord));

        public object FrrWord { get; } = CreateFunction("frr", new Func<object?, string>(FrrToken));

        private StringBuilder output = new();

        /// <summary>The empty buffer (a render that threw may have left text in it).</summary>
        public StringBuilder RentOutput() => output.Clear();

        public void Release()
        {
            if (output.Capacity > RetainedCapacity) output = new StringBuilder();
        }

        private static object CreateFunction(string name, Delegate function)
        {
            var holder = new ScriptObject();
            holder.Import(name, function);
            return holder[name]!;
        }
    }

    /// <summary>The names of every embedded template (for tests and diagnostics).</summary>
    public static IEnumerable<string> Names =>
        typeof(TemplateRenderer).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sbn", StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..])
            .Order(StringComparer.Ordinal);

    private static Template Load(string templateName)
    {
        var template = Template.Parse(ReadEmbedded(templateName), "templates/" + templateName);
        if (template.HasErrors)
        {
            throw new InvalidOperationException($"template templates/{templateName} does not parse: {string.Join("; ", template.Messages)}");
        }
        return template;
    }

    private static string ReadEmbedded(string templateName)
    {
        var assembly = typeof(TemplateRenderer).Assembly;
        using var stream = assembly.GetManifestResourceStream(ResourcePrefix + templateName)
            ?? throw new InvalidOperationException($"template '{templateName}' is not embedded in {assembly.GetName().Name}; add it under templates/");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>`include "NAME"` in a template: NAME is another embedded template, parsed once like the others.</summary>
    private sealed class EmbeddedTemplates : ITemplateLoader
    {
        public static readonly EmbeddedTemplates Instance = new();

        public string GetPath(TemplateContext context, SourceSpan callerSpan, string templateName)
        {
            // The context parses what Load returns; handing it the cached parse instead skips that on every render.
            context.CachedTemplates.TryAdd(templateName, Cache.GetOrAdd(templateName, TemplateRenderer.Load));
            return templateName;
        }

        public string Load(TemplateContext context, SourceSpan callerSpan, string templatePath) => ReadEmbedded(templatePath);

        public ValueTask<string?> LoadAsync(TemplateContext context, SourceSpan callerSpan, string templatePath) => new(Load(context, callerSpan, templatePath));
    }

    private static string FrrToken(object? value)
    {
        var text = value switch
        {
            null => throw new InvalidOperationException("a template passed null to frr; the model must provide the value"),
            string s => s,
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return FrrWords.IsWord(text) ? text
            : throw new ArgumentException($"refusing to put {TerminalText.Quote(text)} into an FRR config: it is not one word of letters, digits and . : / - _");
    }

    private static string ShellWord(object? value) => value switch
    {
        null => throw new InvalidOperationException("a template passed null to sh; the model must provide the value"),
        string s => ShellQuoting.Quote(s),
        IFormattable f => ShellQuoting.Quote(f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)),
        _ => ShellQuoting.Quote(value.ToString() ?? ""),
    };
}
