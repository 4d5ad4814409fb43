"""An asyncio echo server: what a learner might write in Python instead of 12's Node server.

Run by bench/clients.ts as `python3 bench/asyncio-echo.py HOST PORT`; it prints
"listening on HOST:PORT" once it listens, and echoes every byte until the client ends.
Like Node, it raises its own limit on descriptors to the hard limit, for 10,000 clients.
"""

import asyncio
import resource
import sys

BACKLOG = 1024  # as 12's server: the clients connect 200 at a time


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()  # backpressure: wait while the kernel cannot take more
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(host: str, port: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = await asyncio.start_server(echo, host, port, backlog=BACKLOG)
    bound = server.sockets[0].getsockname()
    print(f"listening on {bound[0]}:{bound[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
