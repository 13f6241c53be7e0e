using Scriban;
using Scriban.Runtime;

namespace Lbdeploy.Testbed;

/// <summary>
/// Finds the repository's <c>templates/</c> folder and renders one Scriban template against a model object
/// (members exposed snake_case). Strict: an unknown variable in a template is an error, not an empty string.
/// </summary>
internal static class TemplateFiles
{
    public static string Directory => directory.Value;

    private static readonly Lazy<string> directory = new(Locate);

    public static string Render(string relativePath, object model)
    {
        var path = Path.Combine(Directory, relativePath);
        var template = Template.Parse(File.ReadAllText(path), path);
        if (template.HasErrors)
        {
            throw new InvalidOperationException($"template {path} does not parse: {string.Join("; ", template.Messages)}");
        }
        var globals = new ScriptObject();
        globals.Import(model);
        var context = new TemplateContext { StrictVariables = true, LoopLimit = 0 };
        context.PushGlobal(globals);
        return template.Render(context);
    }

    private static string Locate()
    {
        var home = Environment.GetEnvironmentVariable("LBDEPLOY_HOME");
        if (!string.IsNullOrEmpty(home) && System.IO.Directory.Exists(Path.Combine(home, "templates")))
        {
            return Path.Combine(home, "templates");
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "templates", "testbed");
            if (System.IO.Directory.Exists(candidate))
            {
                return Path.Combine(dir.FullName, "templates");
            }
        }
        throw new InvalidOperationException(
            $"templates/ not found above {AppContext.BaseDirectory}; set LBDEPLOY_HOME to the lbdeploy checkout");
    }
}
