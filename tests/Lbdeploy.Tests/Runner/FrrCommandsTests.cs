using System.Diagnostics;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// The command lines the frr target runs in a node: read back as /bin/sh splits them (each path one word, however
/// it is spelled), so a path with spaces or quotes cannot change what runs.
/// </summary>
public sealed class FrrCommandsTests
{
    private const string Folder = "/run/lbdeploy/frr/t1";

    /// <summary>The words /bin/sh makes of <paramref name="commandLine"/> (printed, not run).</summary>
    private static List<string> Argv(string commandLine)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", "printf '%s\\0' " + commandLine }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return [.. output.Split('\0')[..^1]];
    }

    /// <summary>The value after <paramref name="option"/> (which must appear exactly once).</summary>
    private static string After(IReadOnlyList<string> words, string option)
    {
        Assert.Single(words, w => w == option);
        return words[words.ToList().IndexOf(option) + 1];
    }

    [Theory]
    [InlineData("zebra")]
    [InlineData("bgpd")]
    [InlineData("bfdd")]
    public void A_daemon_runs_in_the_foreground_with_its_pid_file_and_sockets_in_the_runtime_folder(string daemon)
    {
        var words = Argv(FrrCommands.Daemon(daemon, Folder));

        Assert.Equal($"/usr/lib/frr/{daemon}", words[0]);
        Assert.Equal($"{Folder}/{daemon}.pid", After(words, "-i"));
        Assert.Equal(Folder, After(words, "--vty_socket"));
        Assert.Equal($"{Folder}/zserv.api", After(words, "-z"));
        Assert.Equal("datacenter", After(words, "-F"));
        Assert.Equal("/dev/null", After(words, "-f"));
        Assert.Equal("0", After(words, "-P"));
        Assert.Equal("stdout", After(words, "--log"));
        Assert.Equal(("root", "frrvty"), (After(words, "-u"), After(words, "-g")));
        Assert.DoesNotContain("-d", words); // the daemon launcher detaches it
    }

    [Fact]
    public void Only_bfdd_gets_a_control_socket_of_its_own()
    {
        Assert.Equal($"{Folder}/bfdd.sock", After(Argv(FrrCommands.Daemon("bfdd", Folder)), "--bfdctl"));
        Assert.DoesNotContain("--bfdctl", Argv(FrrCommands.Daemon("zebra", Folder)));
        Assert.DoesNotContain("--bfdctl", Argv(FrrCommands.Daemon("bgpd", Folder)));
    }

    [Fact]
    public void Daemons_of_two_nodes_share_no_socket_or_pid_file()
    {
        var t1 = Argv(FrrCommands.Daemon("bfdd", "/run/lbdeploy/frr/t1"));
        var h1 = Argv(FrrCommands.Daemon("bfdd", "/run/lbdeploy/frr/h1"));

        Assert.Empty(t1.Where(w => w.StartsWith('/') && !w.StartsWith("/usr/", StringComparison.Ordinal) && w != "/dev/null").Intersect(h1));
    }

    [Fact]
    public void Load_show_and_reload_address_the_nodes_own_sockets()
    {
        Assert.Equal(
            "/usr/bin/vtysh --vty_socket /run/lbdeploy/frr/t1 -f /run/lbdeploy/deploy/plan/switches/frr/t1.conf",
            FrrCommands.Load(Folder, "/run/lbdeploy/deploy/plan/switches/frr/t1.conf"));
        Assert.Equal(
            "/usr/bin/vtysh --vty_socket /run/lbdeploy/frr/t1 -c 'show bgp summary json'",
            FrrCommands.Show(Folder, "show bgp summary json"));
        Assert.Equal(
            "python3 /usr/lib/frr/frr-reload.py --reload --stdout --bindir /usr/bin --vty_socket /run/lbdeploy/frr/t1 "
            + "--confdir /run/lbdeploy/frr/t1 --rundir /run/lbdeploy/frr/t1 /run/lbdeploy/deploy/plan/switches/frr/t1.conf",
            FrrCommands.Reload(Folder, "/run/lbdeploy/deploy/plan/switches/frr/t1.conf"));
        Assert.Equal("/run/lbdeploy/frr/t1/vtysh.conf", FrrCommands.VtyshConfig(Folder));
    }

    [Theory]
    [InlineData("/tmp/my state/frr/t1", "/tmp/my state/plan/t1.conf")]
    [InlineData("/tmp/o'neil/frr/t1", "/tmp/o'neil/plan/$HOME `id`;.conf")]
    [InlineData("/tmp/*/frr/t1", "/tmp/a b\\c/t1.conf")]
    public void Paths_with_spaces_quotes_or_shell_characters_stay_one_word(string folder, string config)
    {
        var daemon = Argv(FrrCommands.Daemon("bfdd", folder));
        Assert.Equal(Path.Combine(folder, "bfdd.pid"), After(daemon, "-i"));
        Assert.Equal(folder, After(daemon, "--vty_socket"));
        Assert.Equal(Path.Combine(folder, "bfdd.sock"), After(daemon, "--bfdctl"));

        Assert.Equal(["/usr/bin/vtysh", "--vty_socket", folder, "-f", config], Argv(FrrCommands.Load(folder, config)));
        Assert.Equal(["/usr/bin/vtysh", "--vty_socket", folder, "-c", "show bgp summary json"], Argv(FrrCommands.Show(folder, "show bgp summary json")));
        var reload = Argv(FrrCommands.Reload(folder, config));
        Assert.Equal((folder, folder, folder, config), (After(reload, "--vty_socket"), After(reload, "--confdir"), After(reload, "--rundir"), reload[^1]));
    }

    [Fact]
    public void A_path_with_a_control_character_is_refused_not_quoted()
    {
        Assert.Throws<ArgumentException>(() => FrrCommands.Daemon("zebra", "/tmp/a\nrm -rf /"));
        Assert.Throws<ArgumentException>(() => FrrCommands.Load(Folder, "/tmp/t1\u001b.conf"));
    }

    [Fact]
    public void MissingPrograms_lists_each_absent_daemon_and_vtysh()
    {
        var folder = Directory.CreateTempSubdirectory("lbdeploy-frr-").FullName;
        try
        {
            var vtysh = Path.Combine(folder, "vtysh");
            File.WriteAllText(Path.Combine(folder, "zebra"), "");
            File.WriteAllText(Path.Combine(folder, "bgpd"), "");

            Assert.Equal([Path.Combine(folder, "bfdd"), vtysh], FrrCommands.MissingPrograms(folder, vtysh));

            File.WriteAllText(Path.Combine(folder, "bfdd"), "");
            File.WriteAllText(vtysh, "");
            Assert.Empty(FrrCommands.MissingPrograms(folder, vtysh));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
