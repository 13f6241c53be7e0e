// The tests drive the Linux-only CLI (network namespaces, mininet, Unix sockets).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
