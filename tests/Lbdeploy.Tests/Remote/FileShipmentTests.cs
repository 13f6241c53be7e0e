using Lbdeploy.Remote;

namespace Lbdeploy.Tests.Remote;

/// <summary>Files reach a machine only when its copy differs, whole or not at all.</summary>
public sealed class FileShipmentTests : IDisposable
{
    private readonly FakeSsh ssh = new("h1");

    public void Dispose() => ssh.Dispose();

    [Fact]
    public async Task A_file_is_copied_once_and_again_only_when_it_changed()
    {
        var local = Path.Combine(ssh.Directory, "lbengine");
        File.WriteAllText(local, "engine v1");
        var remote = ssh.RootOf("h1") + "/bin/lbengine";
        var shipment = new FileShipment(ssh.Shell);

        Assert.True(await shipment.ShipFileAsync("h1", local, remote, executable: true));
        Assert.Equal("engine v1", File.ReadAllText(remote));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(remote));
        Assert.False(await shipment.ShipFileAsync("h1", local, remote, executable: true));

        File.WriteAllText(local, "engine v2");
        File.SetLastWriteTimeUtc(local, DateTime.UtcNow.AddSeconds(5));
        Assert.True(await shipment.ShipFileAsync("h1", local, remote, executable: true));
        Assert.Equal("engine v2", File.ReadAllText(remote));
        Assert.False(File.Exists(remote + ".lbdeploy-tmp"));
    }

    [Fact]
    public async Task Text_is_shipped_the_same_way()
    {
        var remote = ssh.RootOf("h1") + "/plan/h1-mux.json";
        var shipment = new FileShipment(ssh.Shell);
        Assert.True(await shipment.ShipTextAsync("h1", "{}\n", remote));
        Assert.False(await shipment.ShipTextAsync("h1", "{}\n", remote));
        Assert.Equal("{}\n", File.ReadAllText(remote));
    }

    [Fact]
    public async Task A_missing_local_file_says_how_to_build_it()
    {
        var error = await Assert.ThrowsAsync<Lbdeploy.Common.RunnerException>(() => new FileShipment(ssh.Shell).ShipFileAsync("h1", "/nonexistent/lbengine", "/opt/x", true));
        Assert.Equal("cannot ship '/nonexistent/lbengine' to h1: it does not exist; build it (tools/build.sh)", error.Message);
    }
}
