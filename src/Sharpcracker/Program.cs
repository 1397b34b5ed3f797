using Sharpcracker.Hosting;

return await Sharpcracker.Hosting.ProxyMain.RunAsync(args);
