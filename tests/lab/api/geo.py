"""Countries and cities for the generated server list: (code, weight, free-tier?, [(city, lat, long)])."""

COUNTRIES = [
    ("US", 30, True, [("New York", 40.71, -74.01), ("Los Angeles", 34.05, -118.24), ("Chicago", 41.88, -87.63),
                      ("Miami", 25.76, -80.19), ("Dallas", 32.78, -96.80), ("Seattle", 47.61, -122.33)]),
    ("DE", 14, False, [("Frankfurt", 50.11, 8.68), ("Berlin", 52.52, 13.40)]),
    ("NL", 12, True, [("Amsterdam", 52.37, 4.90)]),
    ("GB", 12, False, [("London", 51.51, -0.13), ("Manchester", 53.48, -2.24)]),
    ("FR", 10, False, [("Paris", 48.86, 2.35), ("Marseille", 43.30, 5.37)]),
    ("CH", 10, False, [("Zurich", 47.38, 8.54), ("Geneva", 46.20, 6.14)]),
    ("SE", 6, False, [("Stockholm", 59.33, 18.07)]),
    ("CA", 8, False, [("Toronto", 43.65, -79.38), ("Montreal", 45.50, -73.57), ("Vancouver", 49.28, -123.12)]),
    ("JP", 8, True, [("Tokyo", 35.68, 139.69), ("Osaka", 34.69, 135.50)]),
    ("AU", 6, False, [("Sydney", -33.87, 151.21), ("Melbourne", -37.81, 144.96)]),
    ("ES", 5, False, [("Madrid", 40.42, -3.70), ("Barcelona", 41.39, 2.17)]),
    ("IT", 5, False, [("Milan", 45.46, 9.19), ("Rome", 41.90, 12.50)]),
    ("PL", 4, True, [("Warsaw", 52.23, 21.01)]),
    ("RO", 3, True, [("Bucharest", 44.43, 26.10)]),
    ("AT", 3, False, [("Vienna", 48.21, 16.37)]),
    ("BE", 3, False, [("Brussels", 50.85, 4.35)]),
    ("DK", 2, False, [("Copenhagen", 55.68, 12.57)]),
    ("NO", 2, False, [("Oslo", 59.91, 10.75)]),
    ("FI", 2, False, [("Helsinki", 60.17, 24.94)]),
    ("IS", 1, False, [("Reykjavik", 64.15, -21.94)]),
    ("IE", 2, False, [("Dublin", 53.35, -6.26)]),
    ("PT", 2, False, [("Lisbon", 38.72, -9.14)]),
    ("CZ", 2, False, [("Prague", 50.08, 14.44)]),
    ("HU", 1, False, [("Budapest", 47.50, 19.04)]),
    ("GR", 1, False, [("Athens", 37.98, 23.73)]),
    ("BG", 1, False, [("Sofia", 42.70, 23.32)]),
    ("RS", 1, False, [("Belgrade", 44.79, 20.45)]),
    ("UA", 1, False, [("Kyiv", 50.45, 30.52)]),
    ("EE", 1, False, [("Tallinn", 59.44, 24.75)]),
    ("LV", 1, False, [("Riga", 56.95, 24.11)]),
    ("LT", 1, False, [("Vilnius", 54.69, 25.28)]),
    ("LU", 1, False, [("Luxembourg", 49.61, 6.13)]),
    ("SG", 4, False, [("Singapore", 1.35, 103.82)]),
    ("HK", 2, False, [("Hong Kong", 22.32, 114.17)]),
    ("KR", 2, False, [("Seoul", 37.57, 126.98)]),
    ("TW", 1, False, [("Taipei", 25.03, 121.57)]),
    ("IN", 2, False, [("Mumbai", 19.08, 72.88)]),
    ("BR", 3, False, [("Sao Paulo", -23.55, -46.63)]),
    ("AR", 1, False, [("Buenos Aires", -34.60, -58.38)]),
    ("MX", 2, False, [("Mexico City", 19.43, -99.13)]),
    ("CL", 1, False, [("Santiago", -33.45, -70.67)]),
    ("CO", 1, False, [("Bogota", 4.71, -74.07)]),
    ("ZA", 1, False, [("Johannesburg", -26.20, 28.05)]),
    ("NG", 1, False, [("Lagos", 6.52, 3.38)]),
    ("EG", 1, False, [("Cairo", 30.04, 31.24)]),
    ("IL", 1, False, [("Tel Aviv", 32.09, 34.78)]),
    ("TR", 1, False, [("Istanbul", 41.01, 28.98)]),
    ("AE", 1, False, [("Dubai", 25.20, 55.27)]),
    ("NZ", 1, False, [("Auckland", -36.85, 174.76)]),
    ("MY", 1, False, [("Kuala Lumpur", 3.14, 101.69)]),
    ("TH", 1, False, [("Bangkok", 13.76, 100.50)]),
    ("VN", 1, False, [("Hanoi", 21.03, 105.85)]),
    ("PH", 1, False, [("Manila", 14.60, 120.98)]),
    ("ID", 1, False, [("Jakarta", -6.21, 106.85)]),
]

SECURE_CORE_ENTRIES = ["CH", "SE", "IS"]
CITY = {code: cities for code, _, _, cities in COUNTRIES}


def location(code):
    cities = CITY.get(code)
    if not cities:
        return None, 0.0, 0.0
    return cities[0]
