import sys, os
sys.path.insert(0, "/work/main/tests/lab/e2e")
from test_portfwd import *

def test_dbg(lab, pvpnd):
    try:
        test_reconnect_recreates_the_interface_and_qbittorrent_listens_again(lab, pvpnd)
    finally:
        print(pvpnd.log()[-5000:])
        print(client("ss", "-Hlntp").stdout)
