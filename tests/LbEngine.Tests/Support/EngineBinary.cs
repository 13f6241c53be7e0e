namespace Lb.Engine.Tests.Support;

/// <summary>How the namespace tests start the engine under test: `DOTNET ENGINE role --config FILE`.</summary>
internal static class EngineBinary
{
    /// <summary>lbengine.dll as built beside the tests; fails the test when it is missing.</summary>
    public static string Dll()
    {
        var engine = Path.Combine(AppContext.BaseDirectory, "lbengine.dll");
        Assert.True(File.Exists(engine), $"{engine} missing: build engine/LbEngine");
        return engine;
    }

    /// <summary>The dotnet host running these tests (so the engine runs on the same runtime), else `dotnet` on PATH.</summary>
    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet" ? self : "dotnet";
}
