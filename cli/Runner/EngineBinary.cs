using Lbdeploy.Nodes;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>
/// Where lbengine is: <c>$LBENGINE_DLL</c>, else engine/LbEngine/bin/&lt;configuration&gt;/net10.0/lbengine.dll of the
/// checkout lbdeploy runs from (the configuration lbdeploy itself was built in first), run by the dotnet host.
/// </summary>
public static class EngineBinary
{
    public static string Dll => dll.Value;

    public static string DotnetHost => dotnet.Value;

    /// <summary>The command line that starts an engine of <paramref name="role"/> with <paramref name="configFile"/>.</summary>
    public static string CommandLine(string role, string configFile) =>
        $"{HostShell.Quote(DotnetHost)} {HostShell.Quote(Dll)} {role} --config {HostShell.Quote(configFile)}";

    /// <summary>The command line that runs lbengine with <paramref name="arguments"/> (already quoted), e.g. a mux host's gate.</summary>
    public static string CommandLine(string arguments) => $"{HostShell.Quote(DotnetHost)} {HostShell.Quote(Dll)} {arguments}";

    /// <summary>
    /// The self-contained single-file lbengine for linux-x64 that lbdeploy ships to machines reached over SSH (they
    /// need no .NET): <c>$LBENGINE_SINGLE_FILE</c>, else what tools/build.sh publishes into
    /// <see cref="SingleFileFolder"/> of the checkout.
    /// </summary>
    public static string SingleFile => singleFile.Value;

    /// <summary>Where tools/build.sh publishes the single-file engine, relative to the checkout.</summary>
    public const string SingleFileFolder = "engine/LbEngine/bin/Release/publish/linux-x64";

    private static readonly Lazy<string> singleFile = new(LocateSingleFile);
    private static readonly Lazy<string> dll = new(LocateDll);
    private static readonly Lazy<string> dotnet = new(LocateDotnet);

    private static string LocateDll()
    {
        if (Environment.GetEnvironmentVariable("LBENGINE_DLL") is { Length: > 0 } explicitPath)
        {
            return File.Exists(explicitPath) ? explicitPath : throw new RunnerException($"LBENGINE_DLL={explicitPath} does not exist; build engine/LbEngine or unset it");
        }
        var baseDir = AppContext.BaseDirectory;
        var configuration = baseDir.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var candidates = new List<string>();
        foreach (var root in CheckoutRoots(baseDir))
        {
            foreach (var cfg in new[] { configuration, configuration == "Release" ? "Debug" : "Release" })
            {
                candidates.Add(Path.Combine(root, "engine", "LbEngine", "bin", cfg, "net10.0", "lbengine.dll"));
            }
        }
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new RunnerException($"lbengine is not built (looked for {candidates.FirstOrDefault() ?? "engine/LbEngine/bin/.../lbengine.dll"}); run tools/build.sh");
    }

    private static string LocateSingleFile()
    {
        if (Environment.GetEnvironmentVariable("LBENGINE_SINGLE_FILE") is { Length: > 0 } explicitPath)
        {
            return File.Exists(explicitPath) ? explicitPath : throw new RunnerException($"LBENGINE_SINGLE_FILE={explicitPath} does not exist; run tools/build.sh or unset it");
        }
        var candidates = CheckoutRoots(AppContext.BaseDirectory).Select(root => Path.Combine(root, SingleFileFolder, "lbengine")).ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new RunnerException($"the single-file lbengine that machines reached over SSH run is not built (looked for {candidates.FirstOrDefault() ?? SingleFileFolder + "/lbengine"}); run tools/build.sh");
    }

    private static IEnumerable<string> CheckoutRoots(string baseDir)
    {
        if (Environment.GetEnvironmentVariable("LBDEPLOY_HOME") is { Length: > 0 } home) yield return home;
        for (var dir = new DirectoryInfo(baseDir); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "engine", "LbEngine"))) yield return dir.FullName;
        }
    }

    private static string LocateDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet") return self;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "dotnet");
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var candidate in new[] { "/usr/bin/dotnet", "/usr/share/dotnet/dotnet", "/usr/lib/dotnet/dotnet" })
        {
            if (File.Exists(candidate)) return candidate;
        }
        throw new RunnerException("the dotnet host is not on PATH; install the .NET 10 runtime or set DOTNET_HOST_PATH");
    }
}
