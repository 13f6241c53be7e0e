namespace Lbdeploy.Remote;

/// <summary>
/// How lbdeploy runs the system's OpenSSH client (one definition of each default).
/// </summary>
/// <param name="Program">The ssh client: `ssh` on PATH (tests pass a stand-in script).</param>
/// <param name="ControlDirectory">Where the multiplexed master connections keep their sockets (ControlPath %C below it; root-only).</param>
/// <param name="MaxSessions">Most ssh commands running at once, over every machine.</param>
public sealed record SshSettings(string Program, string ControlDirectory, int MaxSessions)
{
    public const string DefaultProgram = "ssh";

    public const int DefaultMaxSessions = 8;

    /// <summary>How long ssh waits for a machine to answer before it counts as down.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// What a command's timeout gets on top over SSH: ssh may take up to <see cref="ConnectTimeout"/> to connect (a
    /// new master connection) before the command starts on the machine.
    /// </summary>
    public TimeSpan CommandMargin { get; init; } = ConnectTimeout;

    /// <summary>How long an idle master connection stays open after its last command (ssh's ControlPersist).</summary>
    public static readonly TimeSpan ControlPersist = TimeSpan.FromSeconds(60);

    /// <summary>The known_hosts file when the inventory names none: the user's own, as ssh reads it.</summary>
    public static string DefaultKnownHosts => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    /// <summary>The settings of a deployment whose state folder is <paramref name="stateRoot"/>.</summary>
    public static SshSettings For(string stateRoot) => new(DefaultProgram, Path.Combine(stateRoot, "ssh"), DefaultMaxSessions);
}
