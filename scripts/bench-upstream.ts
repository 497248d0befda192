// The bench's upstream for the gateway path: a plain node:http server answering constant JSON on any path.
import { createServer } from 'node:http'

const body = JSON.stringify({ orders: [{ id: 1, total: 42 }] })
createServer((req, res) => {
  req.resume()
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}).listen(Number(process.env.PORT), '127.0.0.1')
