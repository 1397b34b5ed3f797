// Like the test projects: the seeds use the Linux-only test helpers (BinaryPacket).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
