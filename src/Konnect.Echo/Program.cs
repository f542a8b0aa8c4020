Console.WriteLine("echo");
