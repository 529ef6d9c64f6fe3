# Virtual-board `asyncio`, written for the simulator with the ports' API (run, create_task, sleep,
# sleep_ms, gather, wait_for, Event, Lock, open_connection streams, get_event_loop). Coroutines
# are generators: each yields a request (sleep until, wait for a task or event, socket readiness)
# to one loop that waits on the host (select.poll) when nothing is ready.
from time import ticks_add, ticks_diff, ticks_ms

import select
import socket

_SLEEP = 0
_TASK = 1
_READ = 2
_WRITE = 3


class CancelledError(BaseException):
    pass


class TimeoutError(Exception):
    pass


def sleep_ms(ms):
    yield (_SLEEP, ticks_add(ticks_ms(), max(0, int(ms))))


def sleep(s):
    return sleep_ms(int(s * 1000))


class Task:
    def __init__(self, coro):
        self.coro = coro
        self.finished = False
        self.result = None
        self.error = None
        self.waiters = []
        self.cancelling = False

    def done(self):
        return self.finished

    def cancel(self):
        if self.finished:
            return False
        self.cancelling = True
        _ready.append((self, None))
        return True

    def __iter__(self):
        while not self.finished:
            yield (_TASK, self)
        if self.error is not None:
            raise self.error
        return self.result

    __await__ = __iter__


_ready = []
_sleeping = []
_io = {}


def create_task(coro):
    task = Task(coro)
    _ready.append((task, None))
    return task


def _finish(task, result, error):
    task.finished = True
    task.result = result
    task.error = error
    for waiter in task.waiters:
        _ready.append((waiter, None))
    task.waiters = []


def _step(task, value):
    if task.finished:
        return
    try:
        if task.cancelling:
            task.cancelling = False
            request = task.coro.throw(CancelledError())
        else:
            request = task.coro.send(value)
    except StopIteration as e:
        _finish(task, e.value, None)
        return
    except BaseException as e:  # noqa: BLE001 - a task's failure is its result
        _finish(task, None, e)
        return
    if request is None:
        _ready.append((task, None))
    elif request[0] == _SLEEP:
        _sleeping.append((request[1], task))
    elif request[0] == _TASK:
        request[1].waiters.append(task)
    else:
        _io[request[1]] = (task, select.POLLIN if request[0] == _READ else select.POLLOUT)


def _wait():
    # Nothing ready: wait on the host for the next sleeper or socket.
    now = ticks_ms()
    timeout = -1
    if _sleeping:
        timeout = max(0, min(ticks_diff(deadline, now) for deadline, _ in _sleeping))
    if _io:
        poller = select.poll()
        for sock, (_, mask) in _io.items():
            poller.register(sock, mask)
        for sock, _ in poller.poll(timeout):
            task, _ = _io.pop(sock)
            _ready.append((task, None))
    elif timeout >= 0:
        select.poll().poll(timeout)
    now = ticks_ms()
    for entry in [e for e in _sleeping if ticks_diff(e[0], now) <= 0]:
        _sleeping.remove(entry)
        _ready.append((entry[1], None))


def _run_until(task):
    while not task.finished:
        if not _ready:
            if not _sleeping and not _io:
                raise RuntimeError("asyncio: nothing left to run and the main task is not done")
            _wait()
            continue
        ready = _ready[:]
        del _ready[:]
        for t, value in ready:
            _step(t, value)


def run(coro):
    task = create_task(coro)
    _run_until(task)
    if task.error is not None:
        raise task.error
    return task.result


def gather(*aws, return_exceptions=False):
    tasks = [a if isinstance(a, Task) else create_task(a) for a in aws]
    out = []
    for t in tasks:
        try:
            out.append((yield from t))
        except Exception as e:
            if not return_exceptions:
                raise
            out.append(e)
    return out


def wait_for(aw, timeout):
    task = aw if isinstance(aw, Task) else create_task(aw)
    if timeout is None:
        return (yield from task)
    deadline = ticks_add(ticks_ms(), int(timeout * 1000))
    while not task.finished:
        if ticks_diff(deadline, ticks_ms()) <= 0:
            task.cancel()
            raise TimeoutError
        yield (_SLEEP, ticks_add(ticks_ms(), min(10, max(0, ticks_diff(deadline, ticks_ms())))))
    return (yield from task)


def wait_for_ms(aw, timeout):
    return wait_for(aw, timeout / 1000)


class Event:
    def __init__(self):
        self.state = False

    def set(self):
        self.state = True

    def clear(self):
        self.state = False

    def is_set(self):
        return self.state

    def wait(self):
        while not self.state:
            yield (_SLEEP, ticks_add(ticks_ms(), 5))
        return True


class Lock:
    def __init__(self):
        self.held = False

    def locked(self):
        return self.held

    def acquire(self):
        while self.held:
            yield (_SLEEP, ticks_add(ticks_ms(), 5))
        self.held = True
        return True

    def release(self):
        self.held = False

    async def __aenter__(self):
        return await self.acquire()

    async def __aexit__(self, *args):
        self.release()


class Stream:
    def __init__(self, sock):
        self.s = sock
        self.out = b""

    def get_extra_info(self, name):
        return None

    def read(self, n=-1):
        while True:
            data = self.s.read(4096 if n < 0 else n)
            if data is not None:
                return data
            yield (_READ, self.s)

    def readexactly(self, n):
        out = b""
        while len(out) < n:
            data = yield from self.read(n - len(out))
            if not data:
                raise EOFError
            out += data
        return out

    def readline(self):
        line = b""
        while not line.endswith(b"\n"):
            c = yield from self.read(1)
            if not c:
                break
            line += c
        return line

    def write(self, buf):
        self.out += buf

    def drain(self):
        while self.out:
            n = self.s.write(self.out)
            if n is None:
                yield (_WRITE, self.s)
            else:
                self.out = self.out[n:]

    def close(self):
        self.s.close()

    def wait_closed(self):
        yield from ()


StreamReader = Stream
StreamWriter = Stream


def open_connection(host, port):
    addr = socket.getaddrinfo(host, port)[0][-1]
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(addr)
    except OSError:
        pass
    yield (_WRITE, s)
    stream = Stream(s)
    return stream, stream


class _Loop:
    def create_task(self, coro):
        return create_task(coro)

    def run_until_complete(self, aw):
        task = aw if isinstance(aw, Task) else create_task(aw)
        _run_until(task)
        if task.error is not None:
            raise task.error
        return task.result

    def run_forever(self):
        _run_until(Task(None))

    def close(self):
        pass


_loop = _Loop()


def get_event_loop():
    return _loop


def new_event_loop():
    return _loop


def current_task():
    return None
