// The benchmarks drive the Linux-only CLI and engine.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
