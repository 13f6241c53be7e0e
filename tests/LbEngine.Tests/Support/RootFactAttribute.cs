using Lb.Engine.Runtime;


namespace Lb.Engine.Tests.Support;

/// <summary>A fact that is skipped, with the reason shown, when the tests do not run as root.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute(string why = "it needs root")
    {
        if (!HostEnvironment.IsRoot) Skip = $"skipped: not running as root ({why}); run the tests as root (CI does)";
    }
}

/// <summary>A theory that is skipped, with the reason shown, when the tests do not run as root.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute(string why = "it needs root")
    {
        if (!HostEnvironment.IsRoot) Skip = $"skipped: not running as root ({why}); run the tests as root (CI does)";
    }
}
