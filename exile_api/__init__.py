from exile_api.driver import use_psycopg2

use_psycopg2()
