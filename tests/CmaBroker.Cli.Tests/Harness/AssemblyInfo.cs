// The broker, its bus and the tests' accounts exist on Linux only (dbus-daemon, runuser, Unix file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
