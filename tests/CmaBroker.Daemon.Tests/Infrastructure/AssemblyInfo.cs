// The tests drive Linux-only machinery (dbus-daemon, runuser, sd_notify sockets, sysfs).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
