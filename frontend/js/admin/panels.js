// The KV pool, hardware, model and users panels, drawn again from each second's dashboard.

import { ago, bytes, element, number, seconds, share } from './format.js';

function facts(list, pairs) {
    list.replaceChildren(...pairs.filter(pair => pair != null).flatMap(([term, value, testid]) => {
        const dd = element('dd', value);
        if (testid) {
            dd.dataset.testid = testid;
        }
        return [element('dt', term), dd];
    }));
}

function rows(body, items, cells, emptyText, columns) {
    if (items.length === 0) {
        const tr = element('tr', null, 'empty-row');
        const td = element('td', emptyText);
        td.colSpan = columns;
        tr.append(td);
        body.replaceChildren(tr);
        return;
    }
    body.replaceChildren(...items.map(item => {
        const tr = element('tr');
        cells(item).forEach(([text, numeric]) => tr.append(element('td', text, numeric ? 'num' : '')));
        return tr;
    }));
}

export function renderKv(kv) {
    const summary = document.getElementById('kv-summary');
    const pool = kv.pool;
    if (pool == null) {
        summary.replaceChildren(element('p', 'No model is loaded: the KV pool is made when it is.', 'hint'));
    } else {
        const used = element('div');
        used.dataset.testid = 'kv-usage';
        const head = element('div', null, 'meter-label');
        head.append(element('span', `${number(pool.usedBlocks)} of ${number(pool.capacityBlocks)} blocks in use`),
            element('span', `${bytes(pool.usedBlocks * pool.blockBytes)} of ${bytes(pool.capacityBlocks * pool.blockBytes)}`
                + ` (${share(pool.usedBlocks, pool.capacityBlocks)})`));
        const bar = element('div', null, 'meter');
        const fill = element('span');
        fill.style.width = `${pool.capacityBlocks ? (100 * pool.usedBlocks) / pool.capacityBlocks : 0}%`;
        bar.append(fill);
        const list = element('dl', null, 'facts');
        facts(list, [
            ['Free', `${number(pool.capacityBlocks - pool.usedBlocks)} blocks`
                + ` (${number(pool.cachedBlocks)} of them still hold cached prefixes)`],
            ['Shared', `${number(pool.sharedBlocks)} blocks held by more than one sequence or prefix`],
            ['Taken from the OS', bytes(pool.residentBlocks * pool.blockBytes)],
            ['Mapped from disk', `${bytes(pool.mappedBlocks * pool.blockBytes)} (prefix files read back, in the page`
                + ' cache; part of the budget)'],
            ['Block', `${kv.blockTokens} tokens, ${bytes(pool.blockBytes)} (${kv.kvType})`],
        ]);
        used.append(head, bar);
        summary.replaceChildren(used, list);
    }
    rows(document.getElementById('kv-sequences'), kv.sequences, s => [
        [`#${s.requestId}`], [s.priority === 'BACKGROUND' ? 'encoding' : 'answer'], [number(s.promptTokens), true],
        [number(s.cachedTokens), true], [number(s.generatedTokens), true], [number(s.blocks), true],
        [number(s.sharedBlocks), true], [bytes(s.bytes), true],
    ], 'Nothing is running.', 8);
    rows(document.getElementById('kv-documents'), kv.documents, d => [[d.label], [number(d.blocks), true],
        [bytes(d.bytes), true]], 'No document prefix is in RAM.', 3);
}

export function renderHardware(hardware) {
    const gpus = document.getElementById('gpus');
    gpus.replaceChildren(...hardware.gpus.map(gpu => {
        const card = element('div', null, 'gpu');
        card.dataset.testid = 'gpu';
        const list = element('dl', null, 'facts');
        facts(list, [
            ['Utilization', gpu.utilizationPercent == null ? '—'
                : `${gpu.utilizationPercent}% (memory ${gpu.memoryUtilizationPercent ?? '—'}%)`],
            ['Memory', gpu.memoryTotalBytes == null ? '—' : `${bytes(gpu.memoryUsedBytes)} of ${bytes(gpu.memoryTotalBytes)}`],
            ['Temperature', gpu.temperatureCelsius == null ? '—' : `${gpu.temperatureCelsius} °C`],
            ['Power', gpu.powerWatts == null ? '—'
                : `${gpu.powerWatts.toFixed(0)} W${gpu.powerLimitWatts == null ? '' : ` of ${gpu.powerLimitWatts.toFixed(0)} W`}`],
        ]);
        card.append(element('h3', `GPU ${gpu.index}: ${gpu.name}`), list);
        return card;
    }));
    document.getElementById('gpu-note').textContent = hardware.gpus.length > 0 ? hardware.gpuNote
        : `No GPU panel: ${hardware.gpuNote}. The engine runs on the CPU.`;
    const cpu = hardware.cpu;
    const load = cpu.loadAverage == null ? '—' : cpu.loadAverage.map(v => v.toFixed(2)).join(', ');
    facts(document.getElementById('cpu'), [
        ['Processor', `${cpu.processor} (${cpu.cores} cores)`],
        ['Process CPU', cpu.processCpuPercent == null ? '—' : `${cpu.processCpuPercent.toFixed(0)}% of all cores`,
            'cpu-percent'],
        ['Load', `${load} (1, 5, 15 min)`],
        ['Resident', bytes(cpu.residentBytes), 'cpu-rss'],
        ['Heap', `${bytes(cpu.heapUsedBytes)} used, ${bytes(cpu.heapCommittedBytes)} committed, ${bytes(cpu.heapMaxBytes)} max`],
        ['Off-heap', `${bytes(cpu.kvResidentBytes)} KV blocks, ${bytes(cpu.directBufferBytes)} direct buffers`],
        ['Model mapped', bytes(cpu.mappedModelBytes)],
        ['Kernels', cpu.kernels == null ? '—' : `${cpu.kernels} (${cpu.backend}, ${cpu.engineThreads} threads)`,
            'cpu-kernels'],
    ]);
}

export function renderModel(model) {
    const shape = model.shape;
    facts(document.getElementById('model'), [
        ['State', model.message ? `${model.state.toLowerCase()}: ${model.message}` : model.state.toLowerCase(), 'model-state'],
        model.file == null ? null : ['File', `${model.file} (${bytes(model.fileBytes)})`, 'model-file'],
        model.architecture == null ? null : ['Architecture', model.architecture],
        shape == null ? null : ['Shapes', `${shape.layers} layers, ${number(shape.embedding)} wide, ${shape.heads} query / `
            + `${shape.kvHeads} key-value heads of ${shape.headDim}, feed-forward ${number(shape.feedForward)}, `
            + `${number(shape.vocabulary)} tokens`],
        shape == null ? null : ['Tensor types', shape.tensorTypes],
        ['Context length', `${number(model.contextLength)} tokens`
            + (shape == null ? '' : ` (trained for ${number(shape.trainedContext)})`)],
        model.backend == null ? null : ['Backend', `${model.backend}, ${model.threads} threads; ${model.kernels}`],
        ['KV type', model.kvBudgetBytes == null ? model.kvType
            : `${model.kvType}, up to ${bytes(model.kvBudgetBytes)} (${model.kvBudgetExplanation})`],
        model.loadSeconds > 0 ? ['Loaded in', seconds(model.loadSeconds)] : null,
    ]);
}

export function renderUsers(users) {
    rows(document.getElementById('users'), users, u => [
        [u.username], [u.role.toLowerCase()], [number(u.requests) + (u.failedRequests ? ` (+${number(u.failedRequests)} failed)` : ''), true],
        [number(u.promptTokens), true], [share(u.cachedTokens, u.promptTokens), true], [number(u.generationTokens), true],
        [number(u.documents), true], [ago(u.lastActive)],
    ], 'No users.', 8);
    document.querySelectorAll('#users tr').forEach((tr, index) => {
        if (users[index]) {
            tr.dataset.testid = 'user-row';
            tr.dataset.username = users[index].username;
        }
    });
}
